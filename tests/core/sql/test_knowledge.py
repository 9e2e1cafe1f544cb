"""SqlKnowledge with the real MiniLM embedder and the local vector store."""

from __future__ import annotations

import pytest

from core.sql.knowledge import Example, SqlKnowledge, read_documentation_file, read_examples_file
from core.sql.models import ColumnInfo, TableInfo
from core.vectors.local import LocalVectorStore
from core.vectors.pinecone import PineconeVectorStore
from tests.fakes.pinecone_server import FakePinecone

NS = "sql-T1"


def wide_table() -> TableInfo:
    # 120 columns: a retrieval that split tables would lose most of them.
    columns = [ColumnInfo("customer_id", "INTEGER", primary_key=True)]
    columns += [ColumnInfo(f"metric_{n:03d}", "REAL") for n in range(118)]
    columns.append(ColumnInfo("loyalty_tier", "TEXT", comment="bronze, silver or gold"))
    return TableInfo("customer_metrics", columns, comment="Daily metrics per customer")


def schema() -> list[TableInfo]:
    return [
        TableInfo(
            "orders",
            [
                ColumnInfo("order_id", "INTEGER", primary_key=True),
                ColumnInfo("order_date", "DATE"),
                ColumnInfo("total_amount", "NUMERIC"),
            ],
        ),
        TableInfo(
            "employees", [ColumnInfo("employee_id", "INTEGER", primary_key=True), ColumnInfo("salary", "NUMERIC")]
        ),
        wide_table(),
    ]


@pytest.fixture
def knowledge(minilm, tmp_path) -> SqlKnowledge:
    return SqlKnowledge(minilm, LocalVectorStore(tmp_path / "vectors"), namespace=NS)


# The fast lane runs the contract on the local store; the full suite on Pinecone (its fake server) too.
@pytest.fixture(params=["local", pytest.param("pinecone", marks=pytest.mark.slow)])
def any_knowledge(request, minilm, tmp_path):
    """Training semantics hold on both vector stores (Pinecone through its fake server)."""
    if request.param == "local":
        yield SqlKnowledge(minilm, LocalVectorStore(tmp_path / "vectors"), namespace=NS)
        return
    with FakePinecone(dimension=minilm.dimension) as fake:
        yield SqlKnowledge(minilm, PineconeVectorStore(api_key="test", host=fake.host), namespace=NS)


def kinds(knowledge: SqlKnowledge) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in knowledge.records():
        counts[record.kind] = counts.get(record.kind, 0) + 1
    return counts


def test_training_twice_replaces_instead_of_duplicating(any_knowledge):
    knowledge = any_knowledge
    docs = ["Revenue is the sum of total_amount over paid orders.", "Salaries are yearly, in EUR."]
    examples = [Example("How many orders are there?", "SELECT COUNT(*) FROM orders")]
    first = knowledge.train(schema(), docs, examples)
    assert first.tables == ["orders", "employees", "customer_metrics"]
    assert kinds(knowledge) == {"ddl": 3, "doc": 2, "example": 1}
    again = knowledge.train(schema(), docs, examples)
    assert again.removed == 0
    assert kinds(knowledge) == {"ddl": 3, "doc": 2, "example": 1}


def test_retraining_drops_what_is_gone_but_keeps_saved_examples(any_knowledge):
    knowledge = any_knowledge
    knowledge.train(schema(), ["Old definition of revenue."], [Example("Old question?", "SELECT 1")])
    saved_id = knowledge.add_example("Which employees earn the most?", "SELECT * FROM employees ORDER BY salary DESC")
    summary = knowledge.train(schema()[:1], ["New definition."], [])
    assert summary.removed == 7  # two tables (the wide one has four vectors), one doc, one file example
    records = {r.id: r for r in knowledge.records()}
    assert {r.table for r in records.values() if r.kind == "ddl"} == {"orders"} == set(knowledge.trained_tables())
    assert [r.text for r in records.values() if r.kind == "doc"] == ["New definition."] == knowledge.documentation()
    assert saved_id in records and records[saved_id].source == "saved"
    assert [(e.question, e.source) for e in knowledge.examples()] == [("Which employees earn the most?", "saved")]


def test_related_tables_returns_whole_tables(knowledge):
    knowledge.train(schema())
    related = knowledge.related_tables("Which loyalty tier has the most customers?", k=1)
    assert related[0].name == "customer_metrics"
    ddl = related[0].ddl
    assert "metric_000" in ddl and "metric_117" in ddl and "loyalty_tier" in ddl
    assert ddl.count("\n") >= 120
    salary = knowledge.related_tables("average salary of employees", k=3)
    assert salary[0].name == "employees"
    assert len({t.name for t in salary}) == len(salary)  # a wide table's several vectors: listed once
    # A column far down the wide table (beyond what the embedder reads of one DDL text) is found.
    deep = knowledge.related_tables("metric_101 values", k=1)
    assert deep[0].name == "customer_metrics" and "metric_101" in deep[0].ddl


def test_examples_same_question_replaces_sql_and_similarity_ranks(knowledge):
    knowledge.add_example("How many orders are there?", "SELECT COUNT(*) FROM orders")
    knowledge.add_example("How many orders are there", "SELECT COUNT(order_id) FROM orders")  # same question
    knowledge.add_example("What is the average salary?", "SELECT AVG(salary) FROM employees")
    assert kinds(knowledge) == {"example": 2}
    similar = knowledge.similar_examples("Count the orders", k=2)
    assert similar[0].question.startswith("How many orders")
    assert similar[0].sql == "SELECT COUNT(order_id) FROM orders"
    assert similar[0].score > similar[1].score
    assert knowledge.similar_examples("   ") == []


def test_documentation_retrieval_and_remove(knowledge):
    knowledge.train([], ["Revenue is the sum of total_amount over paid orders.", "Salaries are yearly, in EUR."])
    assert knowledge.related_documentation("what counts as revenue", k=1)[0].startswith("Revenue")
    doc_id = next(r.id for r in knowledge.records() if r.kind == "doc" and r.text.startswith("Salaries"))
    assert knowledge.remove(doc_id) is True
    assert knowledge.remove(doc_id) is False
    assert kinds(knowledge) == {"doc": 1}


def test_bad_examples_file_names_the_problem(tmp_path):
    path = tmp_path / "examples.json"
    path.write_text('[{"question": "How many?", "sql": ""}]')
    with pytest.raises(ValueError, match="example 1 needs a non-empty"):
        read_examples_file(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a JSON list"):
        read_examples_file(path)
    lines = tmp_path / "examples.jsonl"
    lines.write_text('{"question": "A?", "sql": "SELECT 1"}\n{"question": "B?", "sql": "SELECT 2"}\n')
    assert [e.sql for e in read_examples_file(lines)] == ["SELECT 1", "SELECT 2"]
    docs = tmp_path / "docs.md"
    docs.write_text("# Terms\n\nRevenue is money.\n\n\nAOV is revenue per order.\n")
    assert read_documentation_file(docs) == ["Revenue is money.", "AOV is revenue per order."]


def test_documentation_file_drops_comments_and_refuses_a_broken_metric_line(tmp_path):
    docs = tmp_path / "docs.md"
    docs.write_text(
        "# Terms\n\n<!-- format notes\nfor editors -->\n\nRevenue is money.\n"
        "`revenue: SUM(orders.total_amount) WHERE orders.status = 'paid'`\n"
    )
    assert read_documentation_file(docs) == [
        "Revenue is money.\n`revenue: SUM(orders.total_amount) WHERE orders.status = 'paid'`"
    ]
    docs.write_text("Revenue is money.\nrevenue: SUM(total_amount)\n")
    with pytest.raises(ValueError, match=r"docs\.md: metric line “revenue: SUM\(total_amount\)”: write it as"):
        read_documentation_file(docs)


def test_documentation_lists_every_trained_text(any_knowledge):
    knowledge = any_knowledge
    docs = ["Revenue is the sum of total_amount over paid orders.", "Salaries are yearly, in EUR."]
    knowledge.train(schema(), docs, [Example("How many orders are there?", "SELECT COUNT(*) FROM orders")])
    assert sorted(knowledge.documentation()) == sorted(docs)
    knowledge.train(schema(), docs[:1])
    assert knowledge.documentation() == docs[:1]


class RenamedEmbedder:
    """The same vectors under another model id: training stored before the embedder changed."""

    def __init__(self, inner, model_id: str) -> None:
        self.inner, self.model_id = inner, model_id
        self.dimension, self.max_tokens, self.tokenizer = inner.dimension, inner.max_tokens, inner.tokenizer

    def embed(self, texts):
        return self.inner.embed(texts)


@pytest.mark.parametrize("store_kind", ["local", pytest.param("pinecone", marks=pytest.mark.slow)])
def test_after_an_embedder_change_training_embeds_everything_again_and_keeps_saved_examples(
    store_kind, minilm, tmp_path
):
    from contextlib import ExitStack

    from core.vectors.base import IndexMismatch

    with ExitStack() as stack:
        if store_kind == "local":
            store = LocalVectorStore(tmp_path / "vectors")
        else:
            fake = stack.enter_context(FakePinecone(dimension=minilm.dimension))
            store = PineconeVectorStore(api_key="test", host=fake.host)
        old = SqlKnowledge(RenamedEmbedder(minilm, "old-model"), store, namespace=NS)
        old.train(schema(), ["Revenue is the sum of total_amount."], [Example("How many orders?", "SELECT 1")])
        saved_id = old.add_example("Which employees earn the most?", "SELECT * FROM employees ORDER BY salary DESC")

        knowledge = SqlKnowledge(minilm, store, namespace=NS)
        with pytest.raises(IndexMismatch, match=r"built with old-model.*`python -m bot train`"):
            knowledge.similar_examples("top earners")

        knowledge.train(schema(), ["Revenue is the sum of total_amount."], [])

        assert kinds(knowledge) == {"ddl": 3, "doc": 1, "example": 1}  # the file example was dropped
        store.check_model(NS, minilm.model_id, minilm.dimension)  # recorded for the configured model
        (example,) = knowledge.similar_examples("Who are the best paid employees?", k=1)
        assert (example.question, example.source) == ("Which employees earn the most?", "saved")
        assert saved_id in {r.id for r in knowledge.records()}


class FailingEmbedder(RenamedEmbedder):
    """The new model cannot embed (a broken install, an endpoint down)."""

    def embed(self, texts):
        raise RuntimeError("the embedder is down")


def test_a_failed_re_embed_after_an_embedder_change_keeps_the_saved_examples(minilm, tmp_path):
    store = LocalVectorStore(tmp_path / "vectors")
    old = SqlKnowledge(RenamedEmbedder(minilm, "old-model"), store, namespace=NS)
    old.train(schema(), [], [])
    old.add_example("Which employees earn the most?", "SELECT * FROM employees ORDER BY salary DESC")

    with pytest.raises(RuntimeError, match="down"):
        SqlKnowledge(FailingEmbedder(minilm, minilm.model_id), store, namespace=NS).train(schema(), [], [])

    # Nothing was emptied: the next try, with a working embedder, still has the saved example.
    knowledge = SqlKnowledge(minilm, store, namespace=NS)
    knowledge.train(schema(), [], [])
    (example,) = knowledge.similar_examples("Who are the best paid employees?", k=1)
    assert (example.question, example.source) == ("Which employees earn the most?", "saved")
