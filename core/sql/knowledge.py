"""SQL training knowledge: DDL per table, business documentation and question→SQL examples.

Everything lives in one vector-store namespace (`sql-<team>`) embedded with the shared embedder.
Ids are deterministic (`ddl:<table>`, `doc:<hash>`, `example:<hash of the question>`), so
re-training replaces instead of duplicating, and saving a question twice keeps one example.
Retrieval returns whole tables, never a subset of a wide table's columns: every record of a
table carries its complete DDL. A wide table gets several vectors (`ddl:<table>`,
`ddl:<table>#1`, …), each embedding the table name and a slice of its column names, because
the embedder reads only the first ~256 tokens: a question about the 90th column still finds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore
    from core.embeddings.base import Embedder
    from core.sql.models import TableInfo
    from core.vectors.base import VectorMatch, VectorStore

log = logging.getLogger(__name__)

# Enough for any schema we train, and under Pinecone's top_k ceiling of 10,000 (stores may ask
# for one more to skip their own bookkeeping record).
_LIST_ALL = 9_000
COLUMNS_PER_VECTOR = 30


@dataclass
class RelatedTable:
    name: str
    ddl: str
    score: float


@dataclass
class Example:
    question: str
    sql: str
    score: float = 0.0
    source: str = "file"  # "file" (trained from a file) or "saved" (approved in chat)

    @property
    def id(self) -> str:
        return example_id(self.question)


TrainingKind = Literal["ddl", "doc", "example"]


@dataclass(frozen=True)
class TrainingRecord:
    """One trained item, as listed: a table's DDL, a documentation text, or a question → SQL example."""

    id: str
    kind: TrainingKind
    text: str  # the DDL, the documentation, or the example's question
    table: str | None = None  # ddl: the table it describes
    question: str | None = None  # example
    sql: str | None = None  # example
    source: str | None = None  # example: "file" (trained from a file) or "saved" (approved in chat)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "table": self.table,
            "question": self.question,
            "sql": self.sql,
            "source": self.source,
        }


@dataclass
class TrainSummary:
    namespace: str
    tables: list[str] = field(default_factory=list)
    documentation: int = 0
    examples: int = 0
    removed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "tables": self.tables,
            "table_count": len(self.tables),
            "documentation": self.documentation,
            "examples": self.examples,
            "removed": self.removed,
        }


def normalise_question(question: str) -> str:
    return " ".join(re.findall(r"\w+", question.lower()))


def example_id(question: str) -> str:
    return "example:" + hashlib.sha256(normalise_question(question).encode()).hexdigest()[:24]


def documentation_id(text: str) -> str:
    return "doc:" + hashlib.sha256(text.strip().encode()).hexdigest()[:24]


def read_documentation_file(path: Path) -> list[str]:
    """Paragraphs of a text/Markdown file; headings are kept with the paragraph they start, and
    <!-- comments --> (notes for the file's editors) are left out. A business-metric line that
    does not parse (core/sql/generate/metrics.py) is an error naming the line."""
    from core.sql.generate.metrics import find_metrics

    text = re.sub(r"<!--.*?-->", "", Path(path).read_text(encoding="utf-8"), flags=re.S)
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text)]
    paragraphs = [part for part in paragraphs if part and not re.fullmatch(r"#+ .*", part)]
    _, errors = find_metrics(paragraphs)
    if errors:
        raise ValueError(f"{path}: {errors[0]}")
    return paragraphs


def read_examples_file(path: Path) -> list[Example]:
    """A JSON list of {"question", "sql"} objects, or JSON lines of the same."""
    text = Path(path).read_text(encoding="utf-8").strip()
    try:
        items = (
            json.loads(text)
            if text.startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not a JSON list or JSON lines of {{question, sql}} ({error})") from error
    examples = []
    for number, item in enumerate(items, start=1):
        if (
            not isinstance(item, dict)
            or not str(item.get("question", "")).strip()
            or not str(item.get("sql", "")).strip()
        ):
            raise ValueError(f"{path}: example {number} needs a non-empty 'question' and 'sql'")
        examples.append(Example(question=item["question"].strip(), sql=item["sql"].strip()))
    return examples


class SqlKnowledge:
    def __init__(
        self,
        embedder: Embedder,
        store: VectorStore,
        namespace: str = "sql-default",
        *,
        versions: KeyValueStore | None = None,
    ) -> None:
        """versions: where the training version lives (shared by every process), bumped on every
        change, so what was generated from older training (the generated-SQL cache) is not reused."""
        self.embedder = embedder
        self.store = store
        self.namespace = namespace
        self._versions = versions
        self._model_checked = False

    def version(self) -> str | None:
        """Changes whenever the training does; None when no version is kept (nothing may be cached)."""
        if self._versions is None:
            return None
        return self._versions.get(self._version_key) or "0"

    @property
    def _version_key(self) -> str:
        return f"sql-training-version:{self.namespace}"

    def _changed(self) -> None:
        if self._versions is None:
            return
        try:
            self._versions.set(self._version_key, uuid.uuid4().hex)
        except Exception as exc:  # the change itself is done; cached SQL now lives out its day at most
            log.warning("could not bump the SQL training version (%s): cached SQL may be a day stale", exc)

    # ---- training -------------------------------------------------------------------------

    def train(
        self,
        tables: Iterable[TableInfo],
        documentation: Iterable[str] = (),
        examples: Iterable[Example] = (),
    ) -> TrainSummary:
        """Replace the trained schema, documentation and file examples; saved examples stay."""
        from core.vectors.base import VectorRecord

        self._adopt_configured_model()
        summary = TrainSummary(self.namespace)
        records: list[tuple[str, str, dict[str, Any]]] = []  # (id, text to embed, metadata)
        for table in tables:
            records.extend(_ddl_records(table.name, table.ddl(), table.comment, [c.name for c in table.columns]))
            summary.tables.append(table.name)
        docs = {documentation_id(text): text.strip() for text in documentation if text.strip()}
        for record_id, text in docs.items():
            records.append((record_id, text, {"kind": "doc", "text": text}))
        file_examples = {example.id: example for example in examples}
        for record_id, example in file_examples.items():
            records.append((record_id, example.question, _example_metadata(example, "file")))
        summary.documentation, summary.examples = len(docs), len(file_examples)

        keep = {record_id for record_id, _, _ in records}
        stale = [
            match.id
            for match in self._list(filter={"$or": [{"kind": {"$in": ["ddl", "doc"]}}, {"source": {"$eq": "file"}}]})
            if match.id not in keep
        ]
        if stale:
            self.store.delete(self.namespace, ids=stale)
        summary.removed = len(stale)
        if records:
            vectors = self.embedder.embed([text for _, text, _ in records])
            self.store.upsert(
                self.namespace,
                [
                    VectorRecord(record_id, vector, metadata)
                    for (record_id, _, metadata), vector in zip(records, vectors, strict=True)
                ],
            )
        self._changed()  # after the writes: nothing generated from the old training gets the new version
        return summary

    def add_example(self, question: str, sql: str, source: str = "saved") -> str:
        """Save one question→SQL pair (same question again replaces its SQL). Returns its id."""
        from core.vectors.base import VectorRecord

        if not question.strip() or not sql.strip():
            raise ValueError("an example needs a non-empty question and SQL")
        self._check_model()
        example = Example(question=question.strip(), sql=sql.strip(), source=source)
        vector = self.embedder.embed([example.question])[0]
        self.store.upsert(self.namespace, [VectorRecord(example.id, vector, _example_metadata(example, source))])
        self._changed()
        return example.id

    def add_ddl(self, table: str, ddl: str) -> str:
        """One table's DDL given as text (Vanna's add_ddl): embedded whole, replacing earlier parts."""
        from core.vectors.base import VectorRecord

        self._check_model()
        self._delete_table_parts(table)
        record_id, text, metadata = _ddl_records(table, ddl, None, [])[0]
        self.store.upsert(self.namespace, [VectorRecord(record_id, self.embedder.embed([text])[0], metadata)])
        self._changed()
        return record_id

    def add_documentation(self, text: str) -> str:
        from core.vectors.base import VectorRecord

        self._check_model()
        record_id = documentation_id(text)
        vector = self.embedder.embed([text.strip()])[0]
        self.store.upsert(self.namespace, [VectorRecord(record_id, vector, {"kind": "doc", "text": text.strip()})])
        self._changed()
        return record_id

    def remove(self, record_id: str) -> bool:
        ids = [m.id for m in self._list() if m.id == record_id or m.id.startswith(record_id + "#")]
        if not ids:
            return False
        self.store.delete(self.namespace, ids=ids)
        self._changed()
        return True

    def _delete_table_parts(self, table: str) -> None:
        ids = [m.id for m in self._list(filter={"table": {"$eq": table}})]
        if ids:
            self.store.delete(self.namespace, ids=ids)

    # ---- retrieval ------------------------------------------------------------------------

    def related_tables(self, question: str, k: int = 5) -> list[RelatedTable]:
        # Several vectors per wide table: ask for more, keep each table once at its best score.
        best: dict[str, RelatedTable] = {}
        for match in self._query(question, k * 4, {"kind": {"$eq": "ddl"}}):
            name = match.metadata["table"]
            if name not in best:
                best[name] = RelatedTable(name, match.metadata["text"], match.score)
        return list(best.values())[:k]

    def related_documentation(self, question: str, k: int = 5) -> list[str]:
        return [m.metadata["text"] for m in self._query(question, k, {"kind": {"$eq": "doc"}})]

    def documentation(self) -> list[str]:
        """Every trained documentation text (the offline generator reads business metrics in it)."""
        return [match.metadata["text"] for match in self._list(filter={"kind": {"$eq": "doc"}})]

    def similar_examples(self, question: str, k: int = 5) -> list[Example]:
        return [_example(match) for match in self._query(question, k, {"kind": {"$eq": "example"}})]

    def examples(self) -> list[Example]:
        """Every question → SQL example, trained from a file or saved in chat."""
        return [_example(match) for match in self._list(filter={"kind": {"$eq": "example"}})]

    def trained_tables(self) -> list[str]:
        """The tables whose DDL is trained (empty: the schema was never learnt)."""
        return sorted({match.metadata["table"] for match in self._list(filter={"kind": {"$eq": "ddl"}})})

    def records(self) -> list[TrainingRecord]:
        """Every trained item, ordered by id (for listings)."""
        rows = []
        for match in self._list():
            if "#" in match.id:
                continue  # further vectors of a wide table: listed once, under ddl:<table>
            metadata = match.metadata
            rows.append(
                TrainingRecord(
                    id=match.id,
                    kind=metadata["kind"],
                    text=metadata.get("text") or "",
                    table=metadata.get("table"),
                    question=metadata.get("question"),
                    sql=metadata.get("sql"),
                    source=metadata.get("source"),
                )
            )
        return sorted(rows, key=lambda row: row.id)

    # ---- internals ------------------------------------------------------------------------

    def _check_model(self) -> None:
        if not self._model_checked:
            self.store.check_model(self.namespace, self.embedder.model_id, self.embedder.dimension)
            self._model_checked = True

    def _adopt_configured_model(self) -> None:
        """Training after an embedder change of the same dimension: the old vectors cannot be
        compared with the new model's queries, so the namespace is emptied and the examples saved
        in chat (their question and SQL are in the metadata) are embedded again; the training
        writes the rest. Another dimension still raises IndexMismatch (a Pinecone index has one)."""
        import numpy as np

        from core.vectors.base import IndexMismatch, VectorRecord

        try:
            self._check_model()
            return
        except IndexMismatch as mismatch:
            if mismatch.built_dim != self.embedder.dimension:
                raise
            log.warning(
                "the SQL training in %s was embedded by %s: embedding it again with %s",
                self.namespace,
                mismatch.built_model,
                self.embedder.model_id,
            )
        probe = np.zeros(self.embedder.dimension, dtype=np.float32)
        probe[0] = 1.0  # any vector lists them all; Pinecone refuses an all-zero one
        saved = [
            _example(match)
            for match in self.store.query(self.namespace, probe, top_k=_LIST_ALL, filter={"source": {"$eq": "saved"}})
        ]
        # Embedded before the namespace is emptied: if the embedder fails, the saved examples
        # (people's approved questions) are still there for the next try.
        records = []
        if saved:
            vectors = self.embedder.embed([example.question for example in saved])
            records = [
                VectorRecord(example.id, vector, _example_metadata(example, "saved"))
                for example, vector in zip(saved, vectors, strict=True)
            ]
        self.store.clear(self.namespace)
        self._check_model()  # records the configured model in the now empty namespace
        if records:
            self.store.upsert(self.namespace, records)

    def _query(self, text: str, k: int, filter: dict[str, Any]) -> list[VectorMatch]:
        if not text.strip() or k <= 0:
            return []
        self._check_model()
        vector = self.embedder.embed([text])[0]
        return self.store.query(self.namespace, vector, top_k=k, filter=filter)

    def _list(self, filter: dict[str, Any] | None = None) -> list[VectorMatch]:
        # The store has no "list" call; a query with a neutral text and a huge top_k returns all.
        self._check_model()
        vector = self.embedder.embed(["database schema"])[0]
        return self.store.query(self.namespace, vector, top_k=_LIST_ALL, filter=filter)


def _ddl_records(
    table: str, ddl: str, comment: str | None, columns: list[str]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, text to embed, metadata) per slice of columns; every slice carries the whole DDL."""
    metadata = {"kind": "ddl", "table": table, "text": ddl}
    if len(columns) <= COLUMNS_PER_VECTOR:
        return [(f"ddl:{table}", ddl, metadata)]
    header = f"Table {table}" + (f": {comment}" if comment else "")
    records = []
    for part, start in enumerate(range(0, len(columns), COLUMNS_PER_VECTOR)):
        names = ", ".join(columns[start : start + COLUMNS_PER_VECTOR])
        record_id = f"ddl:{table}" if part == 0 else f"ddl:{table}#{part}"
        records.append((record_id, f"{header}. Columns: {names}", metadata))
    return records


def _example(match: VectorMatch) -> Example:
    metadata = match.metadata
    return Example(metadata["question"], metadata["sql"], match.score, metadata.get("source", "file"))


def _example_metadata(example: Example, source: str) -> dict[str, Any]:
    return {
        "kind": "example",
        "question": example.question,
        "sql": example.sql,
        "text": example.question,
        "source": source,
    }
