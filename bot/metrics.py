"""Prometheus metrics for the serving process: `GET /metrics` in the text exposition format.

One registry per Services (never prometheus_client's global one), so tests and several apps in
one process do not share counters. What it counts: Slack requests by HTTP status (acks and
refusals), tasks handed to the queue or run in-process by kind (the lazy listener's name), task
latency from acknowledgement to done for tasks this process runs, the queue's depth, cache hits,
misses and store errors per cache kind, and errors by where they happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.work_queue import SlackTask
    from core.cache.kinds import CacheStats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)


class _LiveValues(Collector):
    """Values read when scraped: cache counters and the queue's depth."""

    def __init__(self, cache_stats: CacheStats, queue: Callable[[], Any]) -> None:
        self._cache_stats = cache_stats
        self._queue = queue

    def collect(self) -> Iterator[Any]:
        lookups = CounterMetricFamily(
            "docbot_cache_lookups", "Cache reads by kind and outcome (hit, miss)", labels=["kind", "outcome"]
        )
        errors = CounterMetricFamily("docbot_cache_errors", "Cache store failures (answered uncached)", labels=["kind"])
        ratio = GaugeMetricFamily("docbot_cache_hit_ratio", "Hits / (hits + misses) since start", labels=["kind"])
        for kind, counts in self._cache_stats.snapshot().items():
            lookups.add_metric([kind, "hit"], counts["hits"])
            lookups.add_metric([kind, "miss"], counts["misses"])
            errors.add_metric([kind], counts["errors"])
            ratio.add_metric([kind], counts["hit_rate"])
        yield from (lookups, errors, ratio)
        depth = GaugeMetricFamily("docbot_queue_depth", "Tasks waiting in the work queue (-1: unreadable)")
        queue = self._queue()
        if queue is not None:
            try:
                depth.add_metric([], queue.depth())
            except Exception:  # a scrape must not fail because Redis does
                depth.add_metric([], -1)
        else:
            depth.add_metric([], 0)
        yield depth


class Metrics:
    def __init__(self, cache_stats: CacheStats, queue: Callable[[], Any]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "docbot_slack_requests", "Slack requests answered, by HTTP status", ["status"], registry=self.registry
        )
        self.tasks = Counter(
            "docbot_tasks",
            "Work after the ack, by kind and where it went (queue, inline)",
            ["kind", "where"],
            registry=self.registry,
        )
        self.task_seconds = Histogram(
            "docbot_task_seconds",
            "From acknowledgement to done, by kind",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter("docbot_errors", "Errors by where they happened", ["where"], registry=self.registry)
        self.registry.register(_LiveValues(cache_stats, queue))

    def request_answered(self, status: int) -> None:
        self.requests.labels(str(status)).inc()

    def task_enqueued(self, task: SlackTask) -> None:
        self.tasks.labels(task.get("function") or "unknown", "queue").inc()

    def task_done(self, task: SlackTask, seconds: float) -> None:
        self.task_seconds.labels(task.get("function") or "unknown").observe(seconds)

    def error(self, where: str) -> None:
        self.errors.labels(where).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
