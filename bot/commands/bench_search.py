"""`python -m bot bench search`: query latency p50/p99 per retrieval mode at 10k and 100k chunks."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.commands import ServicesFactory, Subparsers, subcommands

if TYPE_CHECKING:
    from core.embeddings.base import Embedder


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    p = subcommands(sub, "bench").add_parser("search", help="query latency (p50/p99) at 10k and 100k synthetic chunks")
    p.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts")
    p.add_argument("--queries", type=int, default=200, help="queries per mode and size")
    p.set_defaults(func=cmd_bench_search)


def cmd_bench_search(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from core.eval.search_bench import bench

    try:
        sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1 or args.queries < 1:
        print(
            f"error: --sizes needs positive comma-separated integers (got {args.sizes!r}), --queries a positive number",
            file=sys.stderr,
        )
        return 2
    services = services_factory()
    embedder: Embedder
    if services.settings.embedding_provider == "local":
        from core.embeddings.minilm import LocalMiniLMEmbedder

        embedder = LocalMiniLMEmbedder()  # uncached: measure real query embedding
    else:
        embedder = services.embedder
    from bot.progress import ProgressBar

    steps = len(sizes) * (2 + 3 * args.queries)
    bar = ProgressBar(steps, steps, label="bench search", unit="steps")
    result = bench(embedder, sizes, args.queries, step=bar.step)
    bar.close()
    print(json.dumps(result))
    return 0
