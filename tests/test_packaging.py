"""requirements.txt (what the image installs) is exactly the lock's runtime export, and the lock
matches pyproject.toml: the deployment contract cannot drift from the declared dependencies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("uv is not installed: `make install` puts it in .venv (dev group)")
        pytest.skip("uv is not installed (`make install`)")
    return found


def _requirements(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_the_lock_matches_pyproject() -> None:
    done = subprocess.run(
        [_uv(), "lock", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    assert done.returncode == 0, done.stderr


def test_requirements_txt_is_the_locked_runtime_with_hashes() -> None:
    done = subprocess.run(
        [
            _uv(),
            "export",
            "--frozen",
            "--no-dev",
            "--extra",
            "llm",
            "--extra",
            "pinecone",
            "--format",
            "requirements-txt",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    written = (REPO / "requirements.txt").read_text()
    assert _requirements(written) == _requirements(done.stdout), "run `make requirements`"
    assert "--hash=sha256:" in written
    for left_out in ("pytest", "moto", "docling-parse", "torch", "playwright"):
        assert not any(line.startswith(f"{left_out}==") for line in written.splitlines()), left_out
