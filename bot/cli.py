"""`python -m bot …`: one argparse tree; each area adds its subcommands from bot/commands/."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# Modules under bot.commands, each exposing register(sub, services_factory).
COMMAND_MODULES = (
    "docs",
    "ask",
    "feedback",
    "bench_docs",
    "eval_docs",
    "eval_answers",
    "bench_search",
    "bench_cache",
    "sql",
    "sql_eval",
    "route_eval",
    "schema",
    "slack",
    "demo",
    "cold_start",
    "infra",
)


def build_parser() -> argparse.ArgumentParser:
    from bot.wiring import services_factory

    parser = argparse.ArgumentParser(prog="python -m bot", description="Slack bot over documents and a database.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"bot.commands.{name}").register(sub, services_factory)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from bot.wiring import SettingsError, configure_logging, load_settings, services_factory
    from core.errors import DocBotError

    try:
        configure_logging(load_settings())
        return int(args.func(args, services_factory) or 0)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except DocBotError as exc:  # a dependency down or a refused input: what failed, then why
        logging.getLogger("bot").debug("command failed", exc_info=True)
        print(f"error: {exc.user_message}", file=sys.stderr)
        return 1
    except Exception as exc:  # last resort: a clear one-line error instead of a traceback
        logging.getLogger("bot").debug("command failed", exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return 1
