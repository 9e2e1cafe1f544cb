"""What the listeners need from the composition root (bot/wiring.Services satisfies this).

Read-only properties, so the lazily built services of bot/wiring (cached properties) match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.assistant import Assistant
    from core.cache.base import KeyValueStore
    from core.documents.service import DocumentService
    from core.feedback.base import FeedbackStore
    from core.limits.base import QuestionLimits
    from core.sql.databases.base import Database
    from core.sql.knowledge import SqlKnowledge
    from core.sql.service import SqlService


class HandlerSettings(Protocol):
    """The settings the listeners read themselves (bot/settings.Settings has them)."""

    @property
    def max_file_mb(self) -> float: ...


class BotServices(Protocol):
    @property
    def settings(self) -> HandlerSettings: ...

    @property
    def kv(self) -> KeyValueStore:
        """Dedup marks, thread marks, the activity log."""
        ...

    @property
    def documents(self) -> DocumentService:
        """Shared files are indexed here; App Home lists them."""
        ...

    @property
    def assistant(self) -> Assistant:
        """Every question: mentions, thread follow-ups, direct messages, /ask."""
        ...

    @property
    def sql(self) -> SqlService:
        """The SQL buttons: approve, edit, reject, save as example."""
        ...

    @property
    def db(self) -> Database:
        """App Home's table list."""
        ...

    @property
    def knowledge(self) -> SqlKnowledge:
        """App Home's saved examples."""
        ...

    @property
    def feedback(self) -> FeedbackStore:
        """👍 / 👎 on document answers: the answers kept for their buttons, and the ratings."""
        ...

    @property
    def ack_kv(self) -> KeyValueStore:
        """The same store with short timeouts, for reads before the ack (they fail open)."""
        ...

    @property
    def limits(self) -> QuestionLimits:
        """App Home's usage per day and the limits in force."""
        ...
