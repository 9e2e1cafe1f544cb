"""The Dockerfile and the GitHub workflows pass their linters (binaries from the dev group's wheels)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: `make install` puts it in .venv (dev group)")
        pytest.skip(f"{name} is not installed (`make install`)")
    return found


def test_hadolint_passes_the_dockerfile() -> None:
    done = subprocess.run([_tool("hadolint"), "Dockerfile"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_passes_the_workflows() -> None:
    assert sorted(p.name for p in (REPO / ".github" / "workflows").glob("*.yml")) == ["ci.yml", "deploy.yml"]
    done = subprocess.run([_tool("actionlint")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
