"""CLI command modules: each exposes register(sub, services_factory) and adds its subcommands."""

from __future__ import annotations

import argparse
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from bot.wiring import Services

# The subcommand list an area adds to; quoted because argparse's class is generic only in typeshed.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
# Every command's second argument: the process's services, built on first call (so `--help` stays fast).
ServicesFactory: TypeAlias = "Callable[[], Services]"

GROUP_HELP = {
    "eval": "quality evaluations (print one JSON object)",
    "bench": "speed benchmarks (print one JSON object)",
}

# group parser -> its subcommand list, so every area can add to the same `eval` / `bench`.
_group_subcommands: weakref.WeakKeyDictionary[argparse.ArgumentParser, Subparsers] = weakref.WeakKeyDictionary()


def subcommands(sub: Subparsers, group: str) -> Subparsers:
    """The shared `eval` / `bench` word: created once, then every area adds its own subcommand."""
    parser = sub.choices.get(group)
    if parser is None:
        parser = sub.add_parser(group, help=GROUP_HELP[group])
        _group_subcommands[parser] = parser.add_subparsers(dest=f"{group}_command", metavar="WHAT", required=True)
    return _group_subcommands[parser]
