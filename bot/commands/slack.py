"""Slack entry points: `serve` (HTTP), `socket` (Socket Mode) and `bench ack` (acknowledgement latency)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.commands import ServicesFactory, Subparsers, subcommands

if TYPE_CHECKING:
    from bot.settings import Settings


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    serve = sub.add_parser(
        "serve", help="serve Slack (POST /slack/events) and the REST API (/api/v1, /docs, /healthz, /readyz) over HTTP"
    )
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.set_defaults(func=_serve)

    worker = sub.add_parser("worker", help="run queued Slack work (needs REDIS_URL; `serve` enqueues, workers answer)")
    worker.add_argument("--processes", type=int, default=None, help="worker processes (default WORKER_PROCESSES)")
    worker.add_argument("--threads", type=int, default=None, help="threads per process (default WORKER_THREADS)")
    worker.set_defaults(func=_worker)

    socket = sub.add_parser("socket", help="connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)")
    socket.set_defaults(func=_socket)

    bench = subcommands(sub, "bench")
    ack = bench.add_parser(
        "ack", help="ack latency while answering vs a bare Bolt app, and the Lambda handler's import time"
    )
    ack.add_argument("--events", type=int, default=500)
    ack.add_argument("--concurrency", type=int, default=20)
    ack.add_argument(
        "--workers", type=int, default=None, help="worker processes with REDIS_URL (default WORKER_PROCESSES)"
    )
    ack.set_defaults(func=_bench_ack)


def check_redis(settings: Settings) -> bool:
    """Warn about (or, with REDIS_REQUIRE_DURABLE, refuse) a Redis that would lose durable state."""
    if not settings.redis_url:
        return True
    from bot.redis_checks import durability_problems

    problems = durability_problems(settings.redis_url.get_secret_value())
    for problem in problems:
        print(f"{'error' if settings.redis_require_durable else 'warning'}: Redis: {problem}", file=sys.stderr)
    return not (problems and settings.redis_require_durable)


def _serve(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    import uvicorn

    from bot.http_app import create_http_app

    services = services_factory()
    if not check_redis(services.settings):
        return 2
    uvicorn.run(create_http_app(services.settings, services), host=args.host, port=args.port, log_level="info")
    return 0


def _worker(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from bot.worker import run_workers

    settings = services_factory().settings
    if not settings.queued:
        print(
            "error: the worker needs the Redis work queue: set REDIS_URL (and WORK_QUEUE=auto or redis)",
            file=sys.stderr,
        )
        return 2
    if not check_redis(settings):
        return 2
    processes = args.processes or settings.worker_processes
    threads = args.threads or settings.worker_threads
    if processes < 1 or threads < 1:
        print("error: --processes and --threads must be at least 1", file=sys.stderr)
        return 2
    return run_workers(processes, threads, settings.worker_drain_s)


def _socket(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from bot.socket_mode import SocketModeNotConfigured, run_socket_mode

    services = services_factory()
    try:
        run_socket_mode(services.settings, services)
    except SocketModeNotConfigured as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _bench_ack(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from bot.bench_ack import run_ack_benchmark

    if args.events < 1 or args.concurrency < 1:
        print("error: --events and --concurrency must be at least 1", file=sys.stderr)
        return 2
    services = services_factory()
    report = run_ack_benchmark(
        services.settings, services, events=args.events, concurrency=args.concurrency, workers=args.workers
    )
    print(json.dumps(report, indent=2))
    return 0
