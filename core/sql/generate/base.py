"""What a SQL generator returns, and the interface every generator implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from core.llm.base import ChatMessage


@dataclass
class SqlProposal:
    kind: Literal["sql", "clarification", "abstain"]
    sql: str | None
    message: str
    tables: list[str] = field(default_factory=list)
    source: Literal["saved", "pattern", "llm", "none"] = "none"
    similar: list[str] = field(default_factory=list)  # similar saved questions, best first

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sql": self.sql,
            "message": self.message,
            "tables": self.tables,
            "source": self.source,
            "similar": self.similar,
        }


class SqlGenerator(Protocol):
    def generate(self, question: str, history: list[ChatMessage] | None = None) -> SqlProposal: ...
