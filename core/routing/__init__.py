"""Routing: which source answers a question — documents, the database, or both."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.routing.base import ROUTE_KINDS, MissingConcept, QuestionRouter, Route, RouteKind
from core.routing.keyword import KeywordRouter
from core.routing.router import Router, Thresholds

if TYPE_CHECKING:
    from core.embeddings.base import Embedder
    from core.llm.base import ChatModel
    from core.routing.concepts import Dictionary
    from core.routing.router import DocumentSearch
    from core.schema import SchemaUnderstanding
    from core.sql.databases.base import Database
    from core.sql.knowledge import SqlKnowledge

__all__ = [
    "ROUTE_KINDS",
    "KeywordRouter",
    "MissingConcept",
    "QuestionRouter",
    "Route",
    "RouteKind",
    "Router",
    "Thresholds",
    "build_router",
]


def build_router(
    *,
    db: Database,
    knowledge: SqlKnowledge | None,
    retriever: DocumentSearch | None,
    llm: ChatModel | None,
    embedder: Embedder | None = None,
    understanding: SchemaUnderstanding | None = None,
    dictionary: Dictionary | None = None,
) -> Router:
    """A Router over the database's schema and values and the trained business documentation."""
    from core.routing.vocabulary import SchemaVocabulary

    documentation: list[str] = []
    if knowledge is not None:
        documentation = knowledge.documentation()
    vocabulary = SchemaVocabulary.build(db.tables(), db.distinct_values, documentation)
    return Router(vocabulary, retriever, llm, embedder=embedder, understanding=understanding, dictionary=dictionary)
