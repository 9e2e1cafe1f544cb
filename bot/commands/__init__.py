"""CLI command modules: each exposes register(sub, services_factory) and adds its subcommands."""

from __future__ import annotations

import argparse

GROUP_HELP = {
    "eval": "quality evaluations (print one JSON object)",
    "bench": "speed benchmarks (print one JSON object)",
}

_groups: dict[tuple[int, str], argparse._SubParsersAction] = {}


def subcommands(sub: argparse._SubParsersAction, group: str) -> argparse._SubParsersAction:
    """The shared `eval` / `bench` word: created once, then every area adds its own subcommand."""
    key = (id(sub), group)
    if key not in _groups:
        parser = sub.add_parser(group, help=GROUP_HELP[group])
        _groups[key] = parser.add_subparsers(dest=f"{group}_command", metavar="WHAT", required=True)
    return _groups[key]
