"""`python -m bot eval answers` on small documents built here: the offline answerer's figures and citations."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from bot.commands import eval_answers
from bot.settings import Settings
from bot.wiring import Services

DOCS = {
    "2023 Q1 ACME.txt": "Acme Corp quarterly report.\n\n"
    "Total net sales were 81,797 million dollars in the quarter. Gross margin was 24.6 percent.\n\n"
    "Acme Corp opened a new office in Lisbon and hired a chief of staff.",
    "2023 Q2 GLOBEX.txt": "Globex Inc quarterly report.\n\n"
    "The company hired 1,250 engineers in the quarter. Rent expenses rose to 340 million.",
}
QUESTIONS = [
    ("What were Acme's total net sales in Q1 2023?", "*2023 Q1 ACME*", "Total net sales were $81,797 million."),
    ("How many engineers did Globex hire?", "*GLOBEX*", "Globex hired 1,250 engineers; it also paid 999 in rent."),
    ("What is the airspeed velocity of an unladen swallow?", "*ACME*", "Not in the documents: 123 km/h."),
]


def _write(tmp_path: Path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    questions = tmp_path / "qna.csv"
    with open(questions, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Question", "Source Docs", "Answer"])
        writer.writerows(QUESTIONS)
    return docs, questions


@pytest.fixture
def services(tmp_path) -> Services:
    return Services(Settings(data_dir=tmp_path / "data", openai_api_key=""))


def _run(argv: list[str], services: Services) -> tuple[int, argparse.Namespace]:
    parser = argparse.ArgumentParser()
    eval_answers.register(parser.add_subparsers(dest="command"), lambda: services)
    args = parser.parse_args(argv)
    return args.func(args, lambda: services), args


@pytest.mark.slow
def test_eval_answers_measures_figures_stated_and_files_cited(tmp_path, services, capsys):
    docs, questions = _write(tmp_path)
    status, _ = _run(["eval", "answers", "--docs", str(docs), "--questions", str(questions), "--k", "2"], services)
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 3 and result["questions_with_figures"] == 3
    assert result["setup"]["answerer"] == "extractive (offline)"
    # The swallow is nowhere in the documents: not answered, and its figure counts as missed.
    assert result["modes"] == {"extractive": 2, "none": 1} and result["answered"] == round(2 / 3, 4)
    # Acme's sales are quoted (1 of 1); Globex's engineers but not the rent figure no document holds (1 of 2).
    assert result["figure_recall"] == round((1 + 0.5 + 0) / 3, 4)
    assert result["cites_right_file"] == 1.0
    assert set(result["latency_ms"]) == {"p50", "p95"}


def test_eval_answers_refuses_a_questions_file_of_another_format(tmp_path, services, capsys):
    docs, _ = _write(tmp_path)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Prompt,Expected\nhello,world\n")
    status, _ = _run(["eval", "answers", "--docs", str(docs), "--questions", str(wrong)], services)
    assert status == 2
    assert "missing column(s) Answer, Question, Source Docs" in capsys.readouterr().err


def test_eval_answers_refuses_a_row_with_missing_fields_and_a_damaged_pubmedqa_file(tmp_path, services, capsys):
    docs, _ = _write(tmp_path)
    short = tmp_path / "short.csv"
    short.write_text("Question,Source Docs,Answer\nWhat?,*A*\n")
    status, _ = _run(["eval", "answers", "--docs", str(docs), "--questions", str(short)], services)
    assert status == 2 and "line 2 has fewer fields than the header" in capsys.readouterr().err
    status, _ = _run(["eval", "answers", "--docs", str(docs), "--questions", str(short), "--limit", "-1"], services)
    assert status == 2 and "--limit must be 0 (every question) or more" in capsys.readouterr().err
    damaged = tmp_path / "ori_pqal.json"
    damaged.write_text('{"1": {"QUESTION": "q"')
    status, _ = _run(["eval", "answers", "--format", "pubmedqa", str(damaged)], services)
    assert status == 2 and "is not PubMedQA's ori_pqal.json" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_answers_measures_the_model_s_answers_when_one_is_configured(tmp_path, capsys):
    from tests.fakes.openai_server import FakeOpenAI

    docs, questions = _write(tmp_path)
    with FakeOpenAI() as fake:
        # The model states Acme's figure whatever it is asked, citing the first passage.
        fake.chat_handler = lambda body: "Acme's total net sales were 81,797 million [1]."
        services = Services(
            Settings(data_dir=tmp_path / "data", openai_api_key="sk-test", openai_base_url=fake.base_url)
        )
        status, _ = _run(["eval", "answers", "--docs", str(docs), "--questions", str(questions), "--k", "2"], services)
        assert status == 0
        asked = len(fake.chat_requests())
    result = json.loads(capsys.readouterr().out)
    assert result["modes"] == {"llm": 3} and asked == 4  # three questions and the warm-up
    assert result["setup"]["answerer"] != "extractive (offline)"
    # Acme's figure is stated (1 of 1); Globex's are not (0 of 2); the swallow's neither (0 of 1).
    assert result["figure_recall"] == round(1 / 3, 4)
