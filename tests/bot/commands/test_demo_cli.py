"""`python -m bot demo` where the install has no emulator (the container image leaves it out)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("missing", ["bot.emulator", "bot.demo"])
def test_demo_command_says_so_when_the_install_has_no_emulator(missing: str, tmp_path: Path) -> None:
    """The image leaves the emulator and the demo glue out: the command says why it cannot run."""
    code = (
        "import sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {missing!r}:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Absent())\n"
        "from bot.cli import main\n"
        "sys.exit(main(['demo', '--port', '0']))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "the demo is not part of this installation" in run.stderr
