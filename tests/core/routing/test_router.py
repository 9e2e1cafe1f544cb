"""Routing: documents, SQL or both, on the sample shop database and a few company documents.

The labelled questions (tests/fixtures/route_labels.jsonl) were written for the bundled sample
database and the documents in tests/fixtures/route_docs/; route_labels_holdout.jsonl is a second,
smaller set written afterwards to check the first one was not simply memorised by the rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.eval.route import evaluate_routing, read_labels
from core.routing import KeywordRouter, Router
from core.routing.vocabulary import SchemaVocabulary, defined_terms

FIXTURES = Path(__file__).parents[2] / "fixtures"
LABELS = FIXTURES / "route_labels.jsonl"
HOLDOUT = FIXTURES / "route_labels_holdout.jsonl"


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """Embedded defaults in a scratch DATA_DIR: sample DB trained, the route documents ingested."""
    from bot.settings import Settings
    from bot.wiring import Services

    services = Services(Settings(DATA_DIR=str(tmp_path_factory.mktemp("routing"))))
    for path in sorted((FIXTURES / "route_docs").glob("*.txt")):
        assert services.documents.ingest(path.read_bytes(), path.name).status == "indexed"
    services.train()
    return services


@pytest.mark.slow
def test_router_beats_the_keyword_baseline_on_the_labelled_set(services) -> None:
    report = evaluate_routing(services.router, KeywordRouter(), read_labels(LABELS))
    assert report["n"] == 60
    assert report["accuracy"] >= report["baseline_accuracy"] + 0.2, report["errors"]
    assert report["accuracy"] >= 0.85, report["errors"]
    assert sum(report["confusion"]["both"].values()) == 10


@pytest.mark.slow
def test_router_beats_the_baseline_on_the_holdout_set(services) -> None:
    report = evaluate_routing(services.router, KeywordRouter(), read_labels(HOLDOUT))
    assert report["accuracy"] > report["baseline_accuracy"], report["errors"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many days of vacation do employees get?", "docs"),  # "how many", but about the handbook
        ("What is the refund rate by country?", "sql"),  # "what is", but a defined business term
        ("Which countries had the most orders in 2024, and which countries do we not ship to?", "both"),
    ],
)
def test_cases_the_keyword_list_gets_wrong(services, question, kind) -> None:
    assert services.router.route(question, None).kind == kind
    assert KeywordRouter().route(question).kind != kind


def test_no_evidence_either_way_answers_from_both(services) -> None:
    route = services.router.route("What about the thing from yesterday with Pat?", None)
    assert route.kind == "both" and route.confidence < 0.5


def test_channel_scope_counts_only_that_channels_documents(services) -> None:
    # Documents were ingested without a channel (not linked anywhere): a channel sees none of them.
    in_channel = services.router.route("How many days a week can I work from home?", "C99EMPTY")
    assert in_channel.evidence["cosine"] == 0.0


def test_without_a_database_everything_goes_to_documents() -> None:
    router = Router(SchemaVocabulary(), documents=None)
    assert router.route("How many orders in 2023?", None).kind == "docs"


def test_a_request_to_change_the_data_goes_to_the_sql_side_which_says_it_only_reads() -> None:
    router = Router(SchemaVocabulary(tables=["orders"]), documents=None)
    route = router.route("can you delete all orders from 2023?", None)
    assert (route.kind, route.missing) == ("sql", None)


def test_documentation_terms_are_extracted() -> None:
    from core.sql.knowledge import read_documentation_file
    from core.sql.sample import SAMPLE_DOCS_FILE

    terms = {" ".join(t) for t in defined_terms(read_documentation_file(SAMPLE_DOCS_FILE))}
    assert {"revenue", "average order value", "aov", "refund rate", "active customer"} <= terms
    assert not any("paragraph" in t for t in terms)


def test_vocabulary_matches_singulars_values_and_capitalised_names(services) -> None:
    vocab = services.router.vocabulary
    phrases = {m.phrase: m.kind for m in vocab.match("Top monitors shipped to Germany by unit price for Berlin")}
    assert phrases.get("monitor") == "category_value"
    assert phrases.get("germany") in ("category_value", "value")
    assert phrases.get("unit price") == "column_phrase"
    assert "berlin" in phrases


def test_keyword_baseline_rules() -> None:
    baseline = KeywordRouter()
    assert baseline.route("How many orders?").kind == "sql"
    assert baseline.route("Explain the policy").kind == "docs"
    assert baseline.route("What is the total?").kind == "both"
    assert baseline.route("Lunch?").kind == "docs"


def test_llm_decides_when_configured_and_evidence_decides_when_it_fails(services) -> None:
    from core.llm.openai import OpenAIChatModel, make_openai_client
    from tests.fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as fake:
        llm = OpenAIChatModel(make_openai_client("test", base_url=fake.base_url, timeout=5, max_retries=0), "gpt-test")
        router = Router(services.router.vocabulary, services.retriever, llm)
        fake.chat_replies.append('{"route": "both", "confidence": 0.9}')
        assert router.route("How many orders were placed in 2023?", None).kind == "both"
        sent = fake.chat_requests()[-1]["messages"]
        assert "orders" in sent[0]["content"] and sent[1]["content"] == "How many orders were placed in 2023?"

        fake.chat_replies.append("I think it is probably SQL")  # not the JSON asked for
        assert router.route("How many orders were placed in 2023?", None).kind == "sql"
        fake.fail_next(500, "model overloaded")
        assert router.route("How many orders were placed in 2023?", None).kind == "sql"


def test_read_labels_names_the_bad_line(tmp_path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"question": "ok?", "expected": "sql"}\n{"question": "bad", "expected": "maybe"}\n')
    with pytest.raises(ValueError, match=r"labels.jsonl:2: \"expected\" must be one of docs, sql, both"):
        read_labels(path)
    path.write_text("not json\n")
    with pytest.raises(ValueError, match=r"labels\.jsonl:1: not valid JSON"):
        read_labels(path)


@pytest.mark.slow
def test_eval_route_command_prints_accuracy_and_confusion(services) -> None:
    env = {**os.environ, "DATA_DIR": str(services.settings.data_dir)}
    env.pop("OPENAI_API_KEY", None)
    out = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "route", str(LABELS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["n"] == 60 and report["accuracy"] > report["baseline_accuracy"]
    assert set(report["confusion"]) == {"docs", "sql", "both"}
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "route", "/nonexistent.jsonl"], capture_output=True, text=True, env=env
    )
    assert bad.returncode != 0 and "nonexistent" in bad.stderr


def test_a_two_part_question_sends_each_part_to_its_source(services) -> None:
    route = services.router.route("How many orders were cancelled in 2024 and what is the cancellation policy?", None)
    assert route.kind == "both"
    assert route.parts == {"sql": "How many orders were cancelled in 2024", "docs": "what is the cancellation policy"}


def test_without_the_model_the_router_keeps_all_its_evidence(services) -> None:
    from core.llm.openai import OpenAIChatModel, make_openai_client
    from tests.fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as fake:
        llm = OpenAIChatModel(make_openai_client("test", base_url=fake.base_url, timeout=5, max_retries=0), "gpt-test")
        online = services.router
        with_llm = Router(
            online.vocabulary,
            online.documents,
            llm,
            thresholds=online.thresholds,
            embedder=online.embedder,
            understanding=online.understanding,
        )
        offline = with_llm.without_llm()
        assert offline.llm is None and with_llm.llm is llm  # the online router is left as it was
        assert (offline.understanding, offline.embedder) == (online.understanding, online.embedder)
        question = "How many orders were placed in 2023?"
        assert offline.route(question, None).kind == online.route(question, None).kind
        assert fake.chat_requests() == []  # the budget is spent: the model is never asked
