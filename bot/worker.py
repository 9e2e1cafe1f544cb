"""`python -m bot worker`: N processes consuming the Slack work queue (bot/work_queue.py).

The parent supervises: a child that dies is replaced (its tasks come back to the queue once its
heartbeat times out), and SIGTERM or SIGINT is passed on to every child, which stops taking work,
finishes what it runs for up to WORKER_DRAIN_S and returns what it had prefetched to the queue.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from typing import Any

log = logging.getLogger("bot.worker")

SUPERVISE_EVERY_S = 1.0


def run_worker_process(threads: int) -> None:
    """One worker process: its own Services, Bolt app and Dramatiq worker, until SIGTERM."""
    import dramatiq

    from bot.app import build_app
    from bot.wiring import configure_logging, services_factory
    from bot.work_queue import QUEUE_NAME, TaskRunner

    services = services_factory()
    settings = services.settings
    configure_logging(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    bolt = build_app(settings, services, verify_requests=False)
    queue = services.task_queue()
    metrics = getattr(services, "metrics", None)
    queue.consume_with(
        TaskRunner(
            bolt, services.kv, lease_s=settings.task_lease_s, on_done=metrics.task_done if metrics is not None else None
        )
    )
    worker = dramatiq.Worker(queue.broker, queues={QUEUE_NAME}, worker_threads=threads, worker_timeout=1000)
    worker.queue_prefetch = threads  # prefetched tasks wait on this process; keep them for idle ones
    worker.start()
    log.info("worker %s: %d threads on queue %r", multiprocessing.current_process().name, threads, QUEUE_NAME)
    stop.wait()
    log.info("stopping: finishing running tasks (up to %g s), returning prefetched ones", settings.worker_drain_s)
    worker.stop(timeout=int(settings.worker_drain_s * 1000))


def run_workers(processes: int, threads: int, drain_s: float) -> int:
    """Start and supervise `processes` worker processes; returns once they have all stopped."""
    context = multiprocessing.get_context("spawn")  # no inherited Redis connections or locks
    stopping = threading.Event()
    children: list[Any] = []

    def spawn(index: int) -> Any:
        child = context.Process(target=run_worker_process, args=(threads,), name=f"worker-{index}", daemon=False)
        child.start()
        return child

    def stop(*_: Any) -> None:
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    children = [spawn(i) for i in range(processes)]
    while not stopping.wait(SUPERVISE_EVERY_S):
        for i, child in enumerate(children):
            if not child.is_alive():
                log.warning("worker %s exited with %s; starting a new one", child.name, child.exitcode)
                children[i] = spawn(i)
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: the child drains
    deadline = time.monotonic() + drain_s + 10
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            log.error("worker %s did not stop within %g s; killing it (its tasks are redelivered)", child.name, drain_s)
            child.kill()
            child.join()
    return 0
