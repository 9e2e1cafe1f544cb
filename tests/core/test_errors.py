"""One error family: every domain error says what failed (its kind) and why (its message)."""

from __future__ import annotations

import pytest

from bot.socket_mode import SocketModeNotConfigured
from bot.wiring import SettingsError
from core.cache.base import KeyValueUnavailable
from core.documents.models import IngestError
from core.embeddings.base import EmbeddingError
from core.errors import DocBotError
from core.limits import QuestionLimited
from core.llm.base import LlmUnavailable
from core.sql.models import DatabaseUnavailable, SqlError, SqlTimeout
from core.storage.base import ObjectStoreError
from core.vectors.base import IndexMismatch, VectorStoreError
from core.vectors.filters import FilterError
from handlers.events.file_ingest import FileDownloadError

KINDS = [
    IngestError,
    EmbeddingError,
    IndexMismatch,
    VectorStoreError,
    ObjectStoreError,
    LlmUnavailable,
    SqlError,
    SqlTimeout,
    DatabaseUnavailable,
    FilterError,
    SettingsError,
    SocketModeNotConfigured,
    FileDownloadError,
    QuestionLimited,
    KeyValueUnavailable,
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_domain_error_is_a_docbot_error_with_its_own_sentence(kind: type[DocBotError]) -> None:
    assert issubclass(kind, DocBotError)
    assert kind.what != DocBotError.what
    assert len({k.what for k in KINDS}) == len(KINDS)


def test_the_user_message_is_what_failed_and_why() -> None:
    assert DatabaseUnavailable("connection refused").user_message == (
        "The database is not reachable right now: connection refused"
    )
    assert SqlTimeout("").user_message == "The query ran longer than the time limit and was stopped."
    mismatch = IndexMismatch("docs-default", "minilm", 384, "text-embedding-3-small", 1536)
    assert mismatch.user_message.startswith("The search index was built with a different model: index 'docs-default'")
    assert isinstance(SqlTimeout("x"), SqlError)  # a timeout is still a database error to those who catch those
