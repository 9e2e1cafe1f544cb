"""The emulator is its own package: it loads nothing of the bot, `core` or `handlers`.

That is what lets the container image leave it out and lets it serve any Slack app.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

EMULATOR = Path(__file__).resolve().parents[3] / "bot" / "emulator"
REPO = EMULATOR.parents[1]
PRODUCT = ("bot", "core", "handlers", "tests")


def _is_emulator_or_parent(module: str) -> bool:
    return module == "bot" or module == "bot.emulator" or module.startswith("bot.emulator.")


def test_no_emulator_module_imports_the_product() -> None:
    """Every import statement, lazy ones inside functions included, stays inside the package."""
    offending = []
    for path in sorted(EMULATOR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offending += [
                f"{path.relative_to(REPO)}:{node.lineno} {name}" for name in names if name.split(".")[0] in PRODUCT
            ]
    assert offending == []


def test_importing_every_emulator_module_loads_nothing_of_the_product() -> None:
    """In a fresh interpreter, so modules other tests loaded cannot hide an import."""
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import bot.emulator as package\n"
        "for info in pkgutil.walk_packages(package.__path__, 'bot.emulator.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout)
    assert "bot.emulator.ui" in loaded and "bot.emulator.__main__" in loaded, "every module was imported"
    product = [m for m in loaded if m.split(".")[0] in PRODUCT and not _is_emulator_or_parent(m)]
    assert product == []
