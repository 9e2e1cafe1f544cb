"""`eval sql --context` and `eval perturb-spider` on a small Spider-format folder made here."""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import pytest

from bot.commands import sql_eval as commands
from bot.settings import Settings
from bot.wiring import Services
from core.eval.perturb import Renaming, rewrite_sql
from core.eval.sql_context import gold_schema, prompt_schema
from core.sql.models import ColumnInfo, TableInfo


@pytest.fixture
def spider(tmp_path: Path) -> Path:
    root = tmp_path / "spider"
    schemas = {
        "concerts": """
            CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER);
            CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, concert_name TEXT, year INTEGER);
            CREATE TABLE singer_in_concert (concert_id INTEGER REFERENCES concert(concert_id),
                                            singer_id INTEGER REFERENCES singer(singer_id));
            INSERT INTO singer VALUES (1, 'Joe', 'France', 52), (2, 'Ann', 'Netherlands', 32);
            INSERT INTO concert VALUES (1, 'Spring', 2014), (2, 'Autumn', 2015);
            INSERT INTO singer_in_concert VALUES (1, 1), (1, 2), (2, 2);
        """,
        "school": """
            CREATE TABLE student (student_id INTEGER PRIMARY KEY, first_name TEXT, major TEXT);
            CREATE TABLE course (course_id INTEGER PRIMARY KEY, title TEXT, credits INTEGER);
            INSERT INTO student VALUES (1, 'Kim', 'Math'), (2, 'Lee', 'Art');
            INSERT INTO course VALUES (1, 'Algebra', 4);
        """,
    }
    for db_id, script in schemas.items():
        path = root / "database" / db_id / f"{db_id}.sqlite"
        path.parent.mkdir(parents=True)
        conn = sqlite3.connect(path)
        conn.executescript(script)
        conn.commit()
        conn.close()
    questions = [
        {"db_id": "concerts", "question": "How many singers are there?", "query": "SELECT count(*) FROM singer"},
        {
            "db_id": "concerts",
            "question": "Names of singers in concerts of 2014",
            "query": "SELECT T1.name FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.singer_id = T2.singer_id "
            "JOIN concert AS T3 ON T2.concert_id = T3.concert_id WHERE T3.year = 2014",
        },
        {
            "db_id": "school",
            "question": "What are the majors of students?",
            "query": "SELECT DISTINCT major FROM student",
        },
        {"db_id": "school", "question": "Total credits of all courses", "query": "SELECT sum(credits) FROM course"},
    ]
    (root / "dev.json").write_text(json.dumps(questions))
    return root


def run(argv: list[str], services: Services) -> int:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command"), lambda: services)
    args = parser.parse_args(argv)
    return args.func(args, lambda: services)


def services(tmp_path: Path, minilm) -> Services:
    built = Services(Settings(data_dir=tmp_path / "data", openai_api_key="", database_url=""))
    built.__dict__["embedder"] = minilm
    return built


def test_gold_tables_and_columns_resolve_aliases() -> None:
    tables = {
        "db.singer": TableInfo("db.singer", [ColumnInfo("singer_id", "int"), ColumnInfo("name", "text")]),
        "db.song": TableInfo("db.song", [ColumnInfo("singer_id", "int"), ColumnInfo("title", "text")]),
    }
    gold = gold_schema(
        "SELECT T1.name, title FROM singer AS T1 JOIN song AS T2 ON T1.singer_id = T2.singer_id", "db", tables
    )
    assert gold is not None and gold.tables == {"db.singer", "db.song"}
    assert gold.columns == {
        ("db.singer", "name"),
        ("db.song", "title"),
        ("db.singer", "singer_id"),
        ("db.song", "singer_id"),
    }
    shown = prompt_schema("x\nCREATE TABLE db.singer (\n  singer_id INTEGER PRIMARY KEY,\n  name TEXT\n);\n")
    assert shown == {"db.singer": {"singer_id", "name"}}


def test_context_eval_reports_recall_and_tokens(spider: Path, tmp_path: Path, minilm, capsys) -> None:
    assert run(["eval", "sql", "--spider", str(spider), "--context"], services(tmp_path, minilm)) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["databases"] == 2 and report["tables"] == 5 and report["questions"] == 4
    assert report["table_recall"] == 1.0 and report["column_recall"] == 1.0
    assert 0 < report["prompt_tokens_p50"] <= report["prompt_tokens_p95"] < 2000


def test_perturbed_set_renames_and_keeps_gold_answers(spider: Path, tmp_path: Path, minilm, capsys) -> None:
    out = tmp_path / "perturbed"
    assert (
        run(
            ["eval", "perturb-spider", "--spider", str(spider), "--out", str(out), "--seed", "3"],
            services(tmp_path, minilm),
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["kept"] == 4 and report["dropped"] == 0
    items = json.loads((out / "dev.json").read_text())
    for item in items:
        conn = sqlite3.connect(out / "database" / item["db_id"] / f"{item['db_id']}.sqlite")
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert conn.execute(item["query"]).fetchall() is not None
        conn.close()
    assert names != {"student", "course"} or items[0]["query"] != items[0]["original_query"]
    # The same seed draws the same renaming; a used folder is refused.
    assert run(["eval", "perturb-spider", "--spider", str(spider), "--out", str(out)], services(tmp_path, minilm)) == 2
    assert "not empty" in capsys.readouterr().err


def test_rewrite_sql_renames_through_aliases() -> None:
    renaming = Renaming(
        tables={"singer": "sbSinger", "song": "sbSong"},
        columns={
            ("singer", "name"): "sbSgrNm",
            ("singer", "singer_id"): "sbSgrId",
            ("song", "singer_id"): "sbSngSgrId",
        },
    )
    sql = rewrite_sql(
        "SELECT T1.name FROM singer AS T1 JOIN song AS T2 ON T1.singer_id = T2.singer_id WHERE name = 'x'", renaming
    )
    assert sql == (
        'SELECT T1."sbSgrNm" FROM "sbSinger" AS T1 JOIN "sbSong" AS T2 ON T1."sbSgrId" = T2."sbSngSgrId" '
        "WHERE \"sbSgrNm\" = 'x'"
    )
