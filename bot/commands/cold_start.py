"""`python -m bot bench cold-start`: a Lambda instance's import, app build and first event, in JSON."""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands import ServicesFactory, Subparsers, subcommands


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    bench = subcommands(sub, "bench")
    cold = bench.add_parser(
        "cold-start", help="a new Lambda instance: import, app build, first event (fresh interpreters)"
    )
    cold.add_argument("--repeats", type=int, default=3, help="fresh interpreters to take the median of (default 3)")
    cold.set_defaults(func=_cold_start)


def _cold_start(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from bot.cold_start import measure_cold_start

    if args.repeats < 1:
        print("error: --repeats must be at least 1", file=sys.stderr)
        return 2
    print(json.dumps(measure_cold_start(args.repeats), indent=2))
    return 0
