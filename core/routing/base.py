"""What routing decides: answer from documents, from the database, or both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

RouteKind = Literal["docs", "sql", "both"]
ROUTE_KINDS: tuple[RouteKind, ...] = ("docs", "sql", "both")


@dataclass(frozen=True)
class MissingConcept:
    """What a question asks about that no source knows, as a reply names it."""

    text: str  # "satisfaction scores", "CEOs"; with as_typed, the question's own words unchanged
    # The words are not all English the bot can read ("combien"): a reply quotes them rather than
    # putting them in a sentence of its own, which would inflect them wrongly ("combiens").
    as_typed: bool = False


@dataclass
class Route:
    kind: RouteKind
    confidence: float  # 0..1; below the router's threshold it answers "both"
    reason: str  # one line a person can read: which evidence decided
    evidence: dict[str, Any] = field(default_factory=dict[str, Any])
    # For "both" from a two-part question: the part each source should answer ({"sql": …, "docs": …}).
    parts: dict[str, str] = field(default_factory=dict)
    # The question's key concept when neither the schema nor the documents know it ("satisfaction
    # scores"): the honest answer is that there is no data about it, whatever the route.
    missing: MissingConcept | None = None


class QuestionRouter(Protocol):
    def route(self, question: str, channel: str | None) -> Route: ...
