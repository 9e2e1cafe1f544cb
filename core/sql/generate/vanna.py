"""SQL generation with an LLM through Vanna's classic API (`vanna.legacy`).

Vanna's vector-store half is ours: the nine abstract methods read and write SqlKnowledge (the
shared embedder and vector store, namespace `sql-…`), so DDL comes back as whole tables. The
chat half is Vanna's OpenAI_Chat with an injected OpenAI-compatible client. Three changes from
stock Vanna: `log()` is silenced (it prints whole prompts, schema included), the prompt is
submitted without OpenAI_Chat's `print("Using model …")`, and the model never sees data
(`allow_llm_to_see_data=False`). A reply that is not a query is returned as a clarification.
vanna (pandas, plotly) is imported on first use: it takes most of a second.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from core.llm.openai import reported_tokens
from core.sql.generate.base import SqlProposal
from core.sql.generate.sql_tables import tables_in

if TYPE_CHECKING:
    import pandas as pd
    from openai import OpenAI

    from core.llm.base import ChatMessage, TokenMeter
    from core.schema.selector import SchemaSelector
    from core.sql.generate.base import SqlGenerator
    from core.sql.knowledge import SqlKnowledge

log = logging.getLogger(__name__)

VANNA_DIALECTS = {"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "sqlite": "SQLite"}
# What Vanna calls each kind of training record in get_training_data.
VANNA_TRAINING_TYPES = {"ddl": "ddl", "doc": "documentation", "example": "sql"}
_QUERY_START = re.compile(r"^\s*(\(\s*)*(select|with)\b", re.I)
_CLASS_LOCK = threading.Lock()


class _Vanna(Protocol):
    """What VannaSqlGenerator uses of the Vanna object."""

    last_response: str | None
    tokens_used: int
    config: dict[str, Any]

    def generate_sql(self, question: str, allow_llm_to_see_data: bool = False) -> str: ...

    def get_sql_prompt(
        self,
        initial_prompt: str,
        question: str,
        question_sql_list: list[dict[str, str]],
        ddl_list: list[str],
        doc_list: list[str],
        **kwargs: Any,
    ) -> list[ChatMessage]: ...

    def get_similar_question_sql(self, question: str, **kwargs: Any) -> list[dict[str, str]]: ...

    def get_related_ddl(self, question: str, **kwargs: Any) -> list[str]: ...

    def get_related_documentation(self, question: str, **kwargs: Any) -> list[str]: ...


_VannaFactory = Callable[["SqlKnowledge", "OpenAI", dict[str, Any], "SchemaSelector | None"], _Vanna]
_VANNA_CLASS: _VannaFactory | None = None


def _vanna_class() -> _VannaFactory:
    """The Vanna subclass, built once on first use so that importing this module stays cheap."""
    global _VANNA_CLASS
    with _CLASS_LOCK:
        if _VANNA_CLASS is not None:
            return _VANNA_CLASS
        # From their defining modules: the package __init__s re-export them implicitly.
        from vanna.legacy.base.base import VannaBase
        from vanna.legacy.openai.openai_chat import OpenAI_Chat

        class KnowledgeVanna(VannaBase):
            """Vanna's vector-store methods on top of SqlKnowledge."""

            def __init__(
                self, knowledge: SqlKnowledge, config: dict[str, Any], selector: SchemaSelector | None = None
            ) -> None:
                VannaBase.__init__(self, config=config)  # type: ignore[no-untyped-call]
                self.knowledge = knowledge
                self.selector = selector
                self.k = int(config.get("k", 5))

            def log(self, message: str, title: str = "Info") -> None:
                log.debug("vanna %s: %d characters", title, len(str(message)))

            def generate_embedding(self, data: str, **kwargs: Any) -> list[float]:
                vector: list[float] = self.knowledge.embedder.embed([data])[0].tolist()
                return vector

            def get_similar_question_sql(self, question: str, **kwargs: Any) -> list[dict[str, str]]:
                return [
                    {"question": e.question, "sql": e.sql} for e in self.knowledge.similar_examples(question, k=self.k)
                ]

            def get_related_ddl(self, question: str, **kwargs: Any) -> list[str]:
                if self.selector is not None:
                    # Chosen by relevance within a token budget: a warehouse of hundreds of tables fits.
                    return self.selector.select(question).ddl
                return [table.ddl for table in self.knowledge.related_tables(question, k=self.k)]

            def get_related_documentation(self, question: str, **kwargs: Any) -> list[str]:
                return self.knowledge.related_documentation(question, k=self.k)

            def add_question_sql(self, question: str, sql: str, **kwargs: Any) -> str:
                return self.knowledge.add_example(question, sql)

            def add_ddl(self, ddl: str, **kwargs: Any) -> str:
                match = re.search(r"create\s+(?:table|view)\s+(?:if\s+not\s+exists\s+)?[\"`\[]?([\w.]+)", ddl, re.I)
                if match is None:
                    raise ValueError("DDL must contain CREATE TABLE <name>")
                return self.knowledge.add_ddl(match.group(1), ddl)

            def add_documentation(self, documentation: str, **kwargs: Any) -> str:
                return self.knowledge.add_documentation(documentation)

            def get_training_data(self, **kwargs: Any) -> pd.DataFrame:
                import pandas as pd

                return pd.DataFrame(
                    [
                        {
                            "id": record.id,
                            "training_data_type": VANNA_TRAINING_TYPES[record.kind],
                            "question": record.question,
                            "content": record.sql if record.kind == "example" else record.text,
                        }
                        for record in self.knowledge.records()
                    ],
                    columns=["id", "training_data_type", "question", "content"],
                )

            def remove_training_data(self, id: str, **kwargs: Any) -> bool:
                return self.knowledge.remove(id)

        class KnowledgeOpenAIVanna(KnowledgeVanna, OpenAI_Chat):
            def __init__(
                self,
                knowledge: SqlKnowledge,
                client: OpenAI,
                config: dict[str, Any],
                selector: SchemaSelector | None = None,
            ) -> None:
                KnowledgeVanna.__init__(self, knowledge, config, selector)
                # config must be a dict
                OpenAI_Chat.__init__(self, client=client, config=config)  # type: ignore[no-untyped-call]
                self.last_response: str | None = None
                self.tokens_used = 0  # reported by the model since the generator last reset it

            def submit_prompt(self, prompt: list[dict[str, str]], **kwargs: Any) -> str:
                # OpenAI_Chat's own version prints "Using model …" to stdout on every call.
                response = self.client.chat.completions.create(
                    model=self.config["model"], messages=prompt, temperature=self.temperature
                )
                self.tokens_used += reported_tokens(response)
                self.last_response = response.choices[0].message.content or ""
                return self.last_response

        _VANNA_CLASS = KnowledgeOpenAIVanna
        return _VANNA_CLASS


class VannaSqlGenerator:
    def __init__(
        self,
        client: OpenAI,
        model: str,
        knowledge: SqlKnowledge,
        dialect: str,
        *,
        temperature: float = 0.0,
        fallback: SqlGenerator | None = None,
        schema_selector: SchemaSelector | None = None,
        meter: TokenMeter | None = None,
    ) -> None:
        if dialect.lower() not in VANNA_DIALECTS:
            raise ValueError(f"unknown SQL dialect {dialect!r}: use postgres or sqlite")
        self.client = client
        self.model = model
        self.knowledge = knowledge
        self.dialect_name = "sqlite" if dialect.lower() == "sqlite" else "postgres"
        self.dialect = VANNA_DIALECTS[dialect.lower()]  # how Vanna's prompt names it
        self.temperature = temperature
        # Used when the LLM cannot be reached, e.g. the OfflineSqlGenerator.
        self.fallback = fallback
        # Picks the tables the prompt shows; None: the knowledge store's nearest few DDLs.
        self.schema_selector = schema_selector
        self.meter = meter  # the daily token budget counts what Vanna's prompts use
        # One Vanna object per thread: it keeps the last reply and the tokens of the call in
        # progress, so a shared one would make concurrent questions wait for each other.
        self._per_thread = threading.local()

    @property
    def vanna(self) -> _Vanna:
        vanna: _Vanna | None = getattr(self._per_thread, "vanna", None)
        if vanna is None:
            config = {"model": self.model, "temperature": self.temperature, "dialect": self.dialect}
            vanna = _vanna_class()(self.knowledge, self.client, config, self.schema_selector)
            self._per_thread.vanna = vanna
        return vanna

    def prompt(self, question: str, history: list[ChatMessage] | None = None) -> list[ChatMessage]:
        """The chat messages generate() would send for this question, without sending them."""
        text = _with_history(question.strip(), history)
        vanna = self.vanna
        return vanna.get_sql_prompt(
            initial_prompt=vanna.config.get("initial_prompt"),  # type: ignore[arg-type]  # None: Vanna's default
            question=text,
            question_sql_list=vanna.get_similar_question_sql(text),
            ddl_list=vanna.get_related_ddl(text),
            doc_list=vanna.get_related_documentation(text),
        )

    def generate(self, question: str, history: list[ChatMessage] | None = None) -> SqlProposal:
        text = (question or "").strip()
        if not text:
            return SqlProposal("abstain", None, "Ask a question about the data.", source="none")
        prompt_question = _with_history(text, history)
        vanna = self.vanna
        try:
            vanna.tokens_used = 0
            try:
                sql = vanna.generate_sql(prompt_question, allow_llm_to_see_data=False)
                raw = vanna.last_response or ""
            finally:
                self._record_tokens(vanna.tokens_used)
        except Exception as error:  # any client/transport error means "LLM down"
            reason = f"The LLM could not be reached ({type(error).__name__}: {str(error)[:200]})."
            if self.fallback is not None:
                proposal = self.fallback.generate(text, history)
                proposal.message = f"{reason} {proposal.message}"
                return proposal
            return SqlProposal("abstain", None, reason, source="none")
        similar = [e.question for e in self.knowledge.similar_examples(text, k=3)]
        if not sql or not _QUERY_START.match(sql):
            return SqlProposal("clarification", None, (raw or sql or "").strip(), source="llm", similar=similar)
        return SqlProposal(
            "sql",
            sql.strip(),
            f"Written by {self.model}; please check it before approving.",
            tables=tables_in(sql, self.dialect_name),
            source="llm",
            similar=similar,
        )

    def _record_tokens(self, tokens: int) -> None:
        if self.meter is not None and tokens:
            self.meter.record_tokens(tokens)


def _with_history(question: str, history: list[ChatMessage] | None) -> str:
    """Earlier turns of the thread, so that 'and for 2023?' makes sense to the model."""
    earlier = [
        turn.get("content", "") for turn in (history or []) if turn.get("role") == "user" and turn.get("content")
    ]
    if not earlier:
        return question
    context = "\n".join(f"- {turn}" for turn in earlier[-3:])
    return f"Earlier questions in this conversation:\n{context}\nCurrent question: {question}"
