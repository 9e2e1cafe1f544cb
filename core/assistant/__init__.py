"""The assistant: one question in, one typed reply out (documents answer, SQL proposal, both…)."""

from core.assistant.assistant import Assistant, DatabaseDown, Sources
from core.assistant.base import (
    NOTHING_FOUND,
    DocumentsPart,
    Reply,
    ReplyKind,
    Scope,
    SourceFailure,
    SqlPart,
    no_data_text,
)

__all__ = [
    "NOTHING_FOUND",
    "Assistant",
    "DatabaseDown",
    "DocumentsPart",
    "Reply",
    "ReplyKind",
    "Scope",
    "SourceFailure",
    "Sources",
    "SqlPart",
    "no_data_text",
]
