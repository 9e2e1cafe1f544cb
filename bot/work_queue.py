"""The durable work queue between the acknowledgement and the answer (Dramatiq over Redis).

`serve` verifies, deduplicates, acknowledges and enqueues; `python -m bot worker` processes run
the work. A task is the Slack request itself (raw body, headers, the lazy function to run): the
worker hands it to its own Bolt app as a lazy-only request, exactly as Bolt's Lambda adapter
re-invokes a function, so every listener runs unchanged wherever it runs.

Why Dramatiq (README, "Work queue"): a message stays in its worker's Redis ack set until the
actor returns; a worker whose heartbeat stops (SIGKILL, OOM, lost host) has its messages moved
back to the queue by any live worker's maintenance. Redelivery is tied to the worker being dead,
not to a visibility timeout a long task can outlast (Celery over Redis redelivers a still-running
task after its visibility timeout), and RQ does not redeliver an abandoned job at all (it lands in
the failed registry). On SIGTERM a Dramatiq worker finishes what it runs and requeues what it had
prefetched.

Exactly once on top of at-least-once delivery: each task holds a short lease on `task:<id>`,
renewed while it runs, and ends with a "done" mark; a redelivered task that finds "done" is
dropped, one that finds a live lease is retried later. The steps inside are idempotent where it
matters: an approved query's result is stored before it is posted, so a redelivery posts the
stored rows instead of running the query again. What is left: a worker killed in the
milliseconds between a successful post and its "done" mark posts that reply once more.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from slack_bolt import BoltRequest
from slack_bolt.lazy_listener.runner import LazyListenerRunner

from core.cache.lease import Lease, lease_state

if TYPE_CHECKING:
    from slack_bolt import App

    from core.cache.base import KeyValueStore

log = logging.getLogger("bot.queue")

QUEUE_NAME = "slack"
ACTOR_NAME = "slack_task"
# Out of a million broker commands, how many also move a dead worker's messages back. Idle workers
# poll about once a second, so a dead worker's tasks come back within seconds of its heartbeat
# timeout (Dramatiq's default, 1 in 1,000, can take many minutes).
MAINTENANCE_CHANCE = 50_000
TASK_DONE_TTL_S = 24 * 3600  # Slack's retries and Dramatiq's redeliveries are long over by then
TASK_RETRIES = 20  # a task that found its lease busy, or auth.test failing, tries again with backoff
_RUNNING, _DONE = "running", "done"
_DROPPED_HEADERS = ("content-length", "x-slack-bolt-lazy-only", "x-slack-bolt-lazy-function-name")


class SlackTask(TypedDict):
    """One queued request, as JSON: what a worker needs to run the lazy function on it."""

    id: str
    function: str  # the lazy listener's name
    body: str  # the request's raw body, as Slack signed it
    headers: dict[str, list[str]]
    enqueued_at: float  # time.time() when enqueued: how long the task waited


class TaskBusy(Exception):
    """Another live worker holds this task's lease: try again once it has finished or died."""


class TaskNotRun(Exception):
    """The worker's Bolt app could not run the task (e.g. auth.test failing): try again later."""


def build_broker(
    redis_url: str, *, namespace: str, heartbeat_timeout_s: float, socket_timeout_s: float | None = None
) -> RedisBroker:
    """socket_timeout_s: short in `serve` (enqueueing is on the ack path), None (wait) in workers."""
    client = redis.Redis.from_url(
        redis_url, socket_timeout=socket_timeout_s, socket_connect_timeout=socket_timeout_s or 5
    )
    return RedisBroker(
        client=client,
        namespace=namespace,
        heartbeat_timeout=int(heartbeat_timeout_s * 1000),
        maintenance_chance=MAINTENANCE_CHANCE,
    )


class SlackTaskQueue:
    """The queue on one broker: `enqueue` in `serve`, `consume_with` in a worker."""

    def __init__(self, broker: RedisBroker, *, time_limit_s: float = 600.0) -> None:
        self.broker = broker
        self._handler: Callable[[SlackTask], None] | None = None
        self.actor = dramatiq.actor(
            broker=broker,
            actor_name=ACTOR_NAME,
            queue_name=QUEUE_NAME,
            max_retries=TASK_RETRIES,
            min_backoff=500,
            max_backoff=30_000,
            time_limit=int(time_limit_s * 1000),
        )(self._run)

    def enqueue(self, task: SlackTask) -> None:
        self.actor.send(task)

    def depth(self) -> int:
        """Tasks waiting (not yet fetched by a worker)."""
        return int(self.broker.client.llen(f"{self.broker.namespace}:{QUEUE_NAME}"))

    def consume_with(self, handler: Callable[[SlackTask], None]) -> None:
        self._handler = handler

    def _run(self, task: SlackTask) -> None:
        if self._handler is None:
            raise RuntimeError("this process only enqueues; tasks run in `python -m bot worker`")
        self._handler(task)


def task_from_request(request: BoltRequest, function_name: str) -> SlackTask:
    headers = {k: list(v) for k, v in request.headers.items() if k.lower() not in _DROPPED_HEADERS}
    return {
        "id": uuid.uuid4().hex,
        "function": function_name,
        "body": request.raw_body,
        "headers": headers,
        "enqueued_at": time.time(),
    }


def request_from_task(task: SlackTask) -> BoltRequest:
    headers: dict[str, Any] = dict(task["headers"])
    headers["x-slack-bolt-lazy-only"] = ["1"]
    headers["x-slack-bolt-lazy-function-name"] = [task["function"]]
    return BoltRequest(body=task["body"], headers=headers)


class QueueLazyListenerRunner(LazyListenerRunner):
    """Bolt's lazy listeners, started by enqueueing the request (before Slack is acknowledged).

    If the queue cannot take the task (Redis down), the work runs in this process instead: the
    dedup mark is already set, so answering 5xx would make Slack's retry a dropped duplicate.
    """

    def __init__(
        self,
        queue: SlackTaskQueue,
        fallback: LazyListenerRunner,
        logger: logging.Logger,
        on_enqueued: Callable[[SlackTask], None] | None = None,
    ) -> None:
        self.queue = queue
        self.fallback = fallback
        self.logger = logger
        self.on_enqueued = on_enqueued

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        task = task_from_request(request, request.lazy_function_name or "")
        try:
            self.queue.enqueue(task)
        except Exception:
            self.logger.warning(
                "the work queue is unavailable; running %s in this process", task["function"], exc_info=True
            )
            self.fallback.start(function, request)
            return
        if self.on_enqueued is not None:
            self.on_enqueued(task)


class TaskRunner:
    """Runs one dequeued task at most once to completion, however often it is delivered."""

    def __init__(
        self, bolt: App, kv: KeyValueStore, *, lease_s: float, on_done: Callable[[SlackTask, float], None] | None = None
    ) -> None:
        self.bolt = bolt
        self.kv = kv
        self.lease_s = lease_s
        self.on_done = on_done

    def __call__(self, task: SlackTask) -> None:
        key = f"task:{task['id']}"
        lease = Lease.acquire(self.kv, key, _RUNNING, self.lease_s)
        if lease is None:
            if lease_state(self.kv.get(key)) == _DONE:
                log.info("task %s (%s) already done; dropping the redelivery", task["id"], task["function"])
                return
            raise TaskBusy(f"task {task['id']} is running elsewhere")
        try:
            with lease.kept_alive():
                response = self.bolt.dispatch(request_from_task(task))
        except BaseException:
            lease.release()  # another delivery may take it at once
            raise
        if response.status >= 500:
            lease.release()
            raise TaskNotRun(f"task {task['id']} was not run: HTTP {response.status} from the worker's app")
        if response.status == 404:  # no listener claims it here any more (e.g. a thread mark expired)
            log.warning("task %s (%s) matched no listener in the worker", task["id"], task["function"])
        lease.release(_DONE, ttl_s=TASK_DONE_TTL_S)
        if self.on_done is not None:
            self.on_done(task, time.time() - float(task.get("enqueued_at") or time.time()))
