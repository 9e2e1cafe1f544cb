"""`python -m bot …`: a failing dependency ends a command with one line saying what failed, and why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import free_port


def test_a_dependency_down_is_one_line_naming_it_and_exit_1(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "docs", "list"], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: The key-value store is not available right now: Redis: "), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
