"""The retrieval evaluation and search benchmark commands, on small documents built here."""

from __future__ import annotations

import argparse
import csv
import json

import pytest

from bot.commands import bench_search, eval_docs
from bot.settings import Settings
from bot.wiring import Services
from core.documents.models import Chunk
from core.eval.retrieval import (
    EvalQuestion,
    answer_figures,
    evaluate,
    figure_found,
    glob_matcher,
    normalise_numbers,
    scaled_figures,
    select,
)
from core.search.retriever import SearchHit

DOCS = {
    "2023 Q1 ACME.txt": "Acme Corp quarterly report.\n\n"
    "Total net sales were 81,797 million dollars. Gross margin was 24.6 percent.",
    "2023 Q2 ACME.txt": "Acme Corp quarterly report.\n\n"
    "Total net sales were 90,100 million dollars. Gross margin was 25.1 percent.",
    "2023 Q2 GLOBEX.txt": "Globex Inc quarterly report.\n\n"
    "The company hired 1,250 engineers. Rent expenses rose to 340 million.",
}
QUESTIONS = [
    ("What were Acme's total net sales in Q1 2023?", "*2023 Q1 ACME*", "Total net sales were $81,797 million."),
    ("How many engineers did Globex hire?", "*GLOBEX*", "Globex hired 1,250 engineers in 2023."),
    ("How did Acme describe itself?", "*ACME*", "A quarterly report."),
]


def test_figures_are_numbers_with_separators_decimals_or_three_digits_but_not_years():
    assert answer_figures("Net sales were $81,797 million (24.6%) in Q3 2023, up 123 from 2022; 10-Q, 81,797") == [
        "81797",
        "24.6",
        "123",
    ]
    text = normalise_numbers("Total net sales 81,797 and 181,797; margin 24.65")
    assert figure_found("81797", text) and not figure_found("24.6", text)
    assert not figure_found("1797", text)


def test_scaled_figures_convert_only_figures_that_carry_every_digit_of_the_smaller_unit():
    answer = "Inventories were $13.224 billion, then $0.530 Billion; 2.750 million units; $2.75 billion; 81,797 million"
    assert scaled_figures(answer) == {"13.224": "13224", "0.530": "530", "2.750": "2750"}
    # Held to the figure rules: not a page number ("45"), not a year ("2023").
    assert scaled_figures("$0.045 billion and $2.023 billion") == {}


def test_unit_aware_evidence_finds_an_answer_in_billions_in_a_table_in_millions():
    # The answer converts the statement's millions; the literal measure misses it, the unit-aware one
    # finds it, and neither finds a figure the passage does not state (13.3 billion is not 13,224).
    answer = "Inventories were $13.224 billion, up from $13.3 billion."
    question = EvalQuestion(
        "inventories?", glob_matcher("*ACME*"), answer_figures(answer), "*ACME*", scaled_figures(answer)
    )
    chunk = Chunk(
        doc_id="d",
        file_name="ACME.txt",
        index=0,
        text="ACME — Balance sheet\nInventories 13,224 12,993",
        pages=[1],
        heading=None,
        token_count=8,
    )
    result = evaluate([question], lambda q, depth: [SearchHit(chunk, 1.0, 1, 1)], k=1)
    assert result["evidence_recall@1"] == 0.0
    assert result["evidence_recall_unit_aware@1"] == 0.5


def test_source_globs_match_file_names_case_insensitively():
    match = glob_matcher("*2023 Q3 AAPL*")
    assert match("2023 Q3 AAPL.pdf") and match("2023 q3 aapl.PDF") and not match("2023 Q2 AAPL.pdf")


@pytest.fixture
def services(tmp_path):
    return Services(Settings(data_dir=tmp_path / "data", openai_api_key=""))


def _parse(module, argv, services) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers(dest="command"), lambda: services)
    return parser.parse_args(argv)


def _run(module, argv, services, capsys) -> dict:
    args = _parse(module, argv, services)
    assert args.func(args, lambda: services) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_eval_retrieval_reports_every_retriever_on_a_sec10q_style_folder(tmp_path, services, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    questions = tmp_path / "qna.csv"
    with open(questions, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Question", "Source Docs", "Question Type", "Answer"])
        for q, glob, answer in QUESTIONS:
            writer.writerow([q, glob, "Single-Doc", answer])
    argv = ["eval", "retrieval", "--docs", str(docs), "--questions", str(questions), "--k", "1"]
    result = _run(eval_docs, argv, services, capsys)
    assert set(result) >= {"dense", "bm25", "hybrid", "setup"}
    hybrid = result["hybrid"]
    assert hybrid["questions"] == 3 and hybrid["questions_with_figures"] == 2
    assert hybrid["file_recall@1"] == 1.0 and hybrid["evidence_recall@1"] == 1.0 and hybrid["mrr@10"] == 1.0
    assert hybrid["evidence_recall_unit_aware@1"] == 1.0
    assert set(hybrid["latency_ms"]) == {"p50", "p95"}
    assert result["setup"]["documents"] == 3 and result["setup"]["ingest"]["counts"] == {"indexed": 3}
    # A rerun reuses the cached workspace: nothing is parsed or embedded again.
    again = _run(eval_docs, argv, services, capsys)
    assert again["setup"]["ingest"]["counts"] == {"already_indexed": 3}
    assert again["hybrid"]["file_recall@1"] == 1.0


def test_eval_retrieval_pubmedqa_format(tmp_path, services, capsys):
    data = {
        "111": {
            "QUESTION": "Does aspirin reduce migraine frequency?",
            "CONTEXTS": ["Aspirin lowered migraine days.", "Trial of 300 adults."],
        },
        "222": {
            "QUESTION": "Is coffee linked to liver fibrosis?",
            "CONTEXTS": ["Coffee drinkers had less fibrosis of the liver."],
        },
    }
    path = tmp_path / "ori_pqal.json"
    path.write_text(json.dumps(data))
    result = _run(eval_docs, ["eval", "retrieval", "--format", "pubmedqa", str(path), "--k", "1"], services, capsys)
    assert result["dense"]["file_recall@1"] == 1.0
    assert result["setup"]["dataset"] == "pubmedqa" and "evidence_recall@1" not in result["dense"]
    # Every stage is measured on and off, with what re-ranking costs per question.
    assert set(result["stages"]) == {
        "first_stage",
        "table_passages",
        "rerank",
        "all",
        "all_rows_only",
        "all_repeats_kept",
        "all_boilerplate_ranked",
    }
    assert set(result["hybrid"]["rerank_ms"]) == {"p50", "p95"} and "rerank_ms" not in result["stages"]["first_stage"]
    assert result["setup"]["reranker"] == "evidence"
    # A split: only the questions whose source matches (here the gold file of one PMID).
    only = _run(
        eval_docs,
        [
            "eval",
            "retrieval",
            "--format",
            "pubmedqa",
            str(path),
            "--k",
            "1",
            "--source-filter",
            "^111",
            "--rerank",
            "off",
        ],
        services,
        capsys,
    )
    assert only["hybrid"]["questions"] == 1 and only["setup"]["reranker"] is None
    assert "rerank_ms" not in only["hybrid"] and "rerank_ms" in only["stages"]["rerank"]


def test_questions_are_selected_by_their_source():
    questions = [
        EvalQuestion(q, glob_matcher(src), [], src)
        for q, src in [("a", "*2023 Q3 AAPL*"), ("b", "*INTC*"), ("c", "*2022 Q3 INTC*"), ("d", "*MSFT*")]
    ]
    assert [q.question for q in select(questions, None, "intc")] == ["a", "d"]
    assert [q.question for q in select(questions, "INTC", None)] == ["b", "c"]
    assert [q.question for q in select(questions, "2023|2022", "AAPL")] == ["c"]


def test_eval_retrieval_refuses_a_bad_split_pattern(tmp_path, services, capsys):
    path = tmp_path / "ori_pqal.json"
    path.write_text(json.dumps({"1": {"QUESTION": "q?", "CONTEXTS": ["c."]}}))
    for argv, message in [
        (["--source-filter", "("], "not a valid regular expression"),
        (["--source-exclude", "."], "no question left"),
    ]:
        args = _parse(eval_docs, ["eval", "retrieval", "--format", "pubmedqa", str(path), *argv], services)
        assert args.func(args, lambda: services) == 2
        assert message in capsys.readouterr().err


def test_eval_retrieval_refuses_missing_inputs(tmp_path, services, capsys):
    args = _parse(
        eval_docs, ["eval", "retrieval", "--docs", str(tmp_path / "absent"), "--questions", "x.csv"], services
    )
    assert args.func(args, lambda: services) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_bench_search_reports_latency_percentiles_per_mode(services, capsys):
    result = _run(bench_search, ["bench", "search", "--sizes", "300", "--queries", "5"], services, capsys)
    for mode in ("dense", "bm25", "hybrid"):
        assert set(result["300_chunks"][mode]) == {"p50_ms", "p99_ms"}


def test_bench_search_refuses_bad_sizes(services, capsys):
    args = _parse(bench_search, ["bench", "search", "--sizes", "ten"], services)
    assert args.func(args, lambda: services) == 2
    assert "--sizes" in capsys.readouterr().err
