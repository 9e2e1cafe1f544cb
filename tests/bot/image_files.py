"""What the Dockerfile puts in the image, read from the Dockerfile and .dockerignore themselves.

Only what the image-contents test needs of Docker's rules: COPY lines from the build context
(not `--from` a stage), and .dockerignore patterns (`*`, `**`, `?`, `!` exceptions, the last
matching line wins, a pattern matching a folder excludes what is inside it).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

TASK_ROOT_VARIABLE = "${LAMBDA_TASK_ROOT}"


@dataclass(frozen=True)
class ContextCopy:
    sources: tuple[str, ...]
    destination: str


def instructions(dockerfile: Path) -> list[str]:
    """Instructions with line continuations joined and comments dropped."""
    joined, current = [], ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        joined.append(current + stripped)
        current = ""
    return joined


def context_copies(dockerfile: Path) -> list[ContextCopy]:
    """Every COPY whose sources come from the build context."""
    copies = []
    for instruction in instructions(dockerfile):
        words = instruction.split()
        if words[0].upper() != "COPY" or any(w.startswith("--from") for w in words[1:]):
            continue
        paths = [w for w in words[1:] if not w.startswith("--")]
        copies.append(ContextCopy(tuple(paths[:-1]), paths[-1]))
    return copies


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def ignore_rules(dockerignore: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """(is_exception, pattern) per line, in order."""
    rules = []
    for line in dockerignore.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = line[1:] if exception else line
        rules.append((exception, _pattern_regex(pattern.strip("/"))))
    return rules


def is_ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for exception, regex in rules:
        if any(regex.match(p) for p in prefixes):
            ignored = not exception
    return ignored


def copy_like_docker(repo: Path, copies: list[ContextCopy], task_root: Path) -> list[str]:
    """Copy the COPYs aimed at the task root into `task_root`; returns the files copied (relative)."""
    rules = ignore_rules(repo / ".dockerignore")
    copied = []
    for copy in copies:
        if not copy.destination.startswith(TASK_ROOT_VARIABLE):
            continue
        target = task_root / copy.destination[len(TASK_ROOT_VARIABLE) :].lstrip("/")
        for source in copy.sources:
            root = repo / source
            files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
            for path in files:
                relative = path.relative_to(repo).as_posix()
                if is_ignored(relative, rules):
                    continue
                destination = target / path.relative_to(root) if root.is_dir() else target
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
                copied.append(destination.relative_to(task_root).as_posix())
    return copied
