"""The baseline to beat: a keyword list of the kind many bots ship with.

"total / count / how many → SQL; what is / explain / policy → documents"; both lists → both;
neither → documents (the usual fallback of a RAG bot). Kept for comparison in `eval route`.
"""

from __future__ import annotations

import re

from core.routing.base import Route

SQL_KEYWORDS = ("total", "count", "how many", "sum", "average", "number of")
DOC_KEYWORDS = ("what is", "what's", "explain", "policy", "describe", "why")


def _has_any(text: str, keywords: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(k)}\b", text) for k in keywords)


class KeywordRouter:
    def route(self, question: str, channel: str | None = None) -> Route:
        text = question.lower()
        sql, docs = _has_any(text, SQL_KEYWORDS), _has_any(text, DOC_KEYWORDS)
        if sql and docs:
            return Route("both", 0.5, "keywords of both kinds")
        if sql:
            return Route("sql", 0.7, "a SQL keyword")
        return Route(
            "docs", 0.7 if docs else 0.3, "a documents keyword" if docs else "no keyword: documents by default"
        )
