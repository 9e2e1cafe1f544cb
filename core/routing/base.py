"""What routing decides: answer from documents, from the database, or both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

RouteKind = Literal["docs", "sql", "both"]
ROUTE_KINDS: tuple[RouteKind, ...] = ("docs", "sql", "both")


@dataclass
class Route:
    kind: RouteKind
    confidence: float  # 0..1; below the router's threshold it answers "both"
    reason: str  # one line a person can read: which evidence decided
    evidence: dict[str, Any] = field(default_factory=dict[str, Any])
    # For "both" from a two-part question: the part each source should answer ({"sql": …, "docs": …}).
    parts: dict[str, str] = field(default_factory=dict)


class QuestionRouter(Protocol):
    def route(self, question: str, channel: str | None) -> Route: ...
