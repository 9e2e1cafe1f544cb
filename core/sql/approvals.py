"""Pending queries waiting for a person's approval, in the shared key-value store.

A pending query is one JSON value under `sqlq:<id>`, expiring `ttl_s` after it was created.
Buttons carry only the id; the SQL stays here. Every status change is a compare-and-set on the
exact stored value, so two clicks, two processes or a retry move pending → running only once:

    pending → running → done | failed        pending | failed → rejected;  pending → superseded
    failed → running (a retry)               running, too old → failed (the runner died)
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore

Status = Literal["pending", "running", "done", "failed", "rejected", "superseded"]
STATUSES = ("pending", "running", "done", "failed", "rejected", "superseded")
_KEY_PREFIX = "sqlq:"
STALE_RUNNING_MESSAGE = (
    "The query was still marked as running long after its time limit, so the process running it "
    "must have stopped. Nothing is running now; approve it again to retry."
)


@dataclass
class PendingQuery:
    id: str
    sql: str  # exactly what runs: guarded, with the LIMIT the guard added
    question: str
    requester: str
    channel: str | None
    thread_ts: str | None
    created: float
    status: Status = "pending"
    parent_id: str | None = None  # the query this one was edited from
    tables: list[str] = field(default_factory=list)
    result_summary: str | None = None
    error: str | None = None
    approved_by: str | None = None
    message_ts: str | None = None  # the Slack message showing it, so handlers can update it
    proposed_sql: str | None = None  # the SQL before the guard added a LIMIT (saved as an example)
    updated: float = 0.0  # when the status last changed
    run_token: str | None = None  # which run owns the "running" state
    replaced_by: str | None = None  # the edited query that superseded this one
    saved_example: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PendingQuery:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class ApprovalStore:
    def __init__(self, kv: KeyValueStore, ttl_s: float = 86400, stale_running_s: float = 120.0) -> None:
        self._kv = kv
        self.ttl_s = ttl_s
        # A "running" older than this cannot still be running (statement timeout + margin).
        self.stale_running_s = stale_running_s

    def create(
        self,
        *,
        sql: str,
        question: str,
        requester: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        parent_id: str | None = None,
        tables: list[str] | None = None,
        proposed_sql: str | None = None,
    ) -> PendingQuery:
        now = time.time()
        while True:
            query = PendingQuery(
                id=secrets.token_hex(6),
                sql=sql,
                question=question,
                requester=requester,
                channel=channel,
                thread_ts=thread_ts,
                created=now,
                updated=now,
                parent_id=parent_id,
                tables=list(tables or []),
                proposed_sql=proposed_sql,
            )
            if self._kv.add(_KEY_PREFIX + query.id, query.to_json(), ttl_s=self.ttl_s):
                return query

    def get(self, query_id: str, *, stale_running_s: float | None = None) -> PendingQuery | None:
        """The query, or None when unknown or expired. A stale "running" is failed first."""
        raw = self._raw(query_id)
        if raw is None:
            return None
        query = PendingQuery.from_json(raw)
        limit = self.stale_running_s if stale_running_s is None else stale_running_s
        if query.status == "running" and time.time() - query.updated > limit:
            self.transition(
                query.id, "running", "failed", error=STALE_RUNNING_MESSAGE, where={"run_token": query.run_token}
            )
            return self.get(query_id, stale_running_s=stale_running_s)
        return query

    def all(self) -> list[PendingQuery]:
        """Every query within its lifetime, whatever its status (for counts; stale runs not failed here)."""
        raws = (self._kv.get(key) for key in self._kv.keys(_KEY_PREFIX))
        return [PendingQuery.from_json(raw) for raw in raws if raw is not None]

    def transition(
        self,
        query_id: str,
        from_status: Status,
        to_status: Status,
        *,
        where: dict[str, Any] | None = None,
        **changes: Any,
    ) -> bool:
        """Atomically move from_status → to_status, setting `changes`; False if someone got there first.

        `where` adds field values that must also still hold (e.g. the run_token of this run).
        """
        if to_status not in STATUSES:
            raise ValueError(f"Unknown status {to_status!r}")
        unknown = set(changes) - {f.name for f in fields(PendingQuery)}
        if unknown:
            raise ValueError(f"Unknown pending-query fields: {sorted(unknown)}")
        raw = self._raw(query_id)
        if raw is None:
            return False
        query = PendingQuery.from_json(raw)
        if query.status != from_status or any(getattr(query, k) != v for k, v in (where or {}).items()):
            return False
        for name, value in changes.items():
            setattr(query, name, value)
        if to_status != query.status:
            query.status, query.updated = to_status, time.time()
        remaining = query.created + self.ttl_s - time.time()
        if remaining <= 0:
            return False
        return self._kv.compare_and_set(_KEY_PREFIX + query_id, raw, query.to_json(), ttl_s=remaining)

    def update(self, query_id: str, **changes: Any) -> bool:
        """Set fields that are not the status (e.g. message_ts) without losing a concurrent transition."""
        for _ in range(10):
            query = self.get(query_id)
            if query is None:
                return False
            # The compare-and-set fails if anything changed since we read it; then read again.
            if self.transition(query_id, query.status, query.status, **changes):
                return True
        return False

    def _raw(self, query_id: str) -> str | None:
        if not query_id or not all(c.isalnum() or c in "-_" for c in query_id):
            return None
        return self._kv.get(_KEY_PREFIX + query_id)
