"""Generated SQL kept for a day (the GENERATED_SQL cache kind), so asking again costs no LLM call.

The key is everything the generation reads: the question (whitespace folded), the thread's
earlier turns, the SQL training version (schema, documentation, examples: any change, a
retraining or a saved example, makes every older entry unreachable) and the generator's identity
(model, dialect). The channel is not in it: generation sees no channel (the trained knowledge is
workspace-wide), and the SQL is a proposal that is guarded again and held for its own approval.

Only what the language model wrote is kept: the offline generator is cheap and deterministic,
and a fallback written while the model was unreachable must not outlive the outage.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.sql.generate.base import SqlProposal

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore
    from core.llm.base import ChatMessage
    from core.sql.generate.base import SqlGenerator

log = logging.getLogger(__name__)

KEY_PREFIX = "generated-sql:"


class CachedSqlGenerator:
    def __init__(
        self,
        inner: SqlGenerator,
        cache: KeyValueStore,
        *,
        version: Callable[[], str | None],
        identity: str,
        ttl_s: float,
    ) -> None:
        """version: the training version (None: nothing is cached); identity: what else the SQL depends on."""
        self.inner = inner
        self._cache = cache
        self._version = version
        self._identity = identity
        self._ttl_s = ttl_s

    def generate(self, question: str, history: list[ChatMessage] | None = None) -> SqlProposal:
        key = self._key(question, history)  # read before generating: a retraining meanwhile makes it stale
        cached = self._cached(key)
        if cached is not None:
            return cached
        proposal = self.inner.generate(question, history)
        if key is not None and proposal.source == "llm":
            self._cache.set(key, json.dumps(proposal.to_dict()), self._ttl_s)
        return proposal

    def _key(self, question: str, history: list[ChatMessage] | None) -> str | None:
        try:
            version = self._version()
        except Exception as exc:  # without the version a cached query could be stale
            log.warning("SQL training version unavailable (%s): generating uncached", exc)
            return None
        if version is None:
            return None
        turns = [[turn.get("role"), turn.get("content")] for turn in history or []]
        material = json.dumps([" ".join(question.split()), turns, version, self._identity])
        return KEY_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _cached(self, key: str | None) -> SqlProposal | None:
        if key is None:
            return None
        raw = self._cache.get(key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return SqlProposal(
                data["kind"], data["sql"], data["message"], list(data["tables"]), data["source"], list(data["similar"])
            )
        except (ValueError, KeyError, TypeError):
            return None  # an unreadable entry is generated again
