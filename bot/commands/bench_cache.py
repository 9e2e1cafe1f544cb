"""`python -m bot bench cache`: document-question latency uncached vs cached (the answer cache)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bot.commands import ServicesFactory, Subparsers, subcommands

CHANNEL = "CBENCH"


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    p = subcommands(sub, "bench").add_parser("cache", help="question latency uncached vs cached (p50/p95)")
    p.add_argument("--questions", type=int, default=50)
    p.set_defaults(func=cmd_bench_cache)


def cmd_bench_cache(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from pydantic import SecretStr

    from bot.wiring import Services
    from core.cache.kinds import DOCUMENT_ANSWERS
    from core.eval.cache_bench import bench, synthetic_documents

    if args.questions < 1:
        print("error: --questions must be at least 1", file=sys.stderr)
        return 2
    settings = services_factory().settings
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as scratch:
        # A scratch workspace with the configured backends' kinds but the local stores: nothing real is touched.
        services = Services(
            settings.model_copy(
                update={
                    "data_dir": Path(scratch),
                    "redis_url": SecretStr(""),
                    "vector_store": "local",
                    "object_store": "local",
                }
            )
        )
        for name, data in synthetic_documents():
            services.documents.ingest(data, name, channel=CHANNEL)
        report = bench(lambda q: services.answerer.answer(q, channel=CHANNEL), args.questions)
        report["cache"] = services.cache_stats.snapshot().get(DOCUMENT_ANSWERS.name, {})
        report["cache_ttl_s"] = DOCUMENT_ANSWERS.ttl_s
    print(json.dumps(report, indent=2))
    return 0
