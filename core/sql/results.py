"""Results of approved queries, stored before anyone is told about them.

A query runs once; telling people about it (a Slack post, an API response) can fail and be retried.
So the rows are stored right after the run, under `sqlresult:<id>`, and every later showing reads
them from here: a failed post is posted again from the store, never by running the query again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.sql.models import QueryResult

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore

_KEY_PREFIX = "sqlresult:"


@dataclass
class StoredResult:
    query_id: str
    summary: str
    result: QueryResult
    posted: bool = False  # someone has been shown it (a post went through)

    def to_json(self) -> str:
        return json.dumps(
            {
                "query_id": self.query_id,
                "summary": self.summary,
                "result": self.result.to_dict(),
                "posted": self.posted,
            },
            ensure_ascii=False,
            default=str,
        )

    @classmethod
    def from_json(cls, text: str) -> StoredResult:
        data = json.loads(text)
        return cls(data["query_id"], data["summary"], QueryResult.from_dict(data["result"]), bool(data["posted"]))


class ResultStore:
    def __init__(self, kv: KeyValueStore, ttl_s: float = 86400) -> None:
        self._kv = kv
        self.ttl_s = ttl_s  # as long as the approval itself: "Show result again" works while the query is known

    def save(self, query_id: str, summary: str, result: QueryResult) -> StoredResult:
        stored = StoredResult(query_id, summary, result)
        self._kv.set(_KEY_PREFIX + query_id, stored.to_json(), ttl_s=self.ttl_s)
        return stored

    def get(self, query_id: str) -> StoredResult | None:
        raw = self._kv.get(_KEY_PREFIX + query_id)
        return StoredResult.from_json(raw) if raw else None

    def mark_posted(self, query_id: str) -> None:
        raw = self._kv.get(_KEY_PREFIX + query_id)
        if raw:
            stored = StoredResult.from_json(raw)
            stored.posted = True
            self._kv.compare_and_set(_KEY_PREFIX + query_id, raw, stored.to_json(), ttl_s=self.ttl_s)
