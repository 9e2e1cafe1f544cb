"""`python -m bot demo`: the bot and a local Slack emulator in one process, in the browser."""

from __future__ import annotations

import argparse
import sys

from bot.commands import ServicesFactory, Subparsers


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    p = sub.add_parser("demo", help="run the bot in a local Slack emulator (no Slack, no cloud, no keys)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000, help="port of the emulator's web page")
    p.add_argument("--open", action="store_true", help="open the page in a browser")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    try:
        from bot.demo import run_demo
    except ModuleNotFoundError as exc:
        if exc.name not in ("bot.demo", "bot.emulator"):
            raise
        # The container image leaves the demo and the emulator out: they are for a checkout.
        print("error: the demo is not part of this installation; run `make demo` from a checkout", file=sys.stderr)
        return 2
    return run_demo(services_factory().settings, host=args.host, port=args.port, open_browser=args.open) or 0
