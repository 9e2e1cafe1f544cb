"""Spider databases copied into PostgreSQL: folded names, types from the rows, keys the data allows,
and `eval sql --postgres` generating and running there while gold runs on SQLite."""

from __future__ import annotations

import json
import sqlite3

import pytest

from core.eval.sql_postgres import copy_to_postgres, scratch_postgres
from core.sql.databases.postgres import PostgresDatabase
from tests.core.eval.test_sql_eval import offline_services, run_command


@pytest.fixture
def messy_sqlite(tmp_path):
    """SQLite as Spider holds it: a key stored as text on one side, a year as text, a foreign key to a
    column that is not unique (SQLite accepts it, PostgreSQL cannot)."""
    path = tmp_path / "db" / "venue" / "venue.sqlite"
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE "Stadium" ("Stadium_ID" int PRIMARY KEY, "Name" text, "Capacity" int, "Avg Rating" real);
        CREATE TABLE concert ("concert_ID" int PRIMARY KEY, "Year" text, "Stadium_ID" text,
                              code text, FOREIGN KEY ("Stadium_ID") REFERENCES "Stadium"("Stadium_ID"));
        CREATE TABLE visit (visitor int, stadium_name text REFERENCES "Stadium"("Name"));
        INSERT INTO "Stadium" VALUES (1, 'Hampden', 52500, 4.5), (2, 'Glebe', 4000, 3);
        INSERT INTO concert VALUES (1, '2014', '1', '007'), (2, '2015', '2', 'A1'), (3, '2014', '1', NULL);
        INSERT INTO visit VALUES (1, 'Glebe'), (1, 'Glebe');
        """
    )
    conn.commit()
    conn.close()
    return path


def test_copy_folds_names_types_columns_from_rows_and_keeps_keys_the_data_allows(messy_sqlite, pg_server_url):
    with scratch_postgres(pg_server_url, "venue") as url:
        report = copy_to_postgres(messy_sqlite, url)
        database = PostgresDatabase(url)
        try:
            tables = {t.name: t for t in database.tables()}
            assert set(tables) == {"stadium", "concert", "visit"}
            concert = {c.name: c for c in tables["concert"].columns}
            assert concert["year"].type == "bigint"  # '2014' stored as text is a whole number
            assert concert["code"].type == "text"  # '007' would lose its zeros: stays text
            assert concert["stadium_id"].references == "stadium.stadium_id"  # text key now links
            stadium = {c.name: c for c in tables["stadium"].columns}
            assert stadium["avg rating"].type == "double precision"
            assert stadium["stadium_id"].primary_key
            # visit's key cannot exist in PostgreSQL (its target is not unique): left out and counted.
            assert not any(c.references for c in tables["visit"].columns)
            assert report.keys_dropped == 1 and report.keys_kept == 3 and report.rows == 7
            rows = database.run_readonly("SELECT count(*) FROM concert WHERE year = 2014").rows
            assert rows == [(2,)]
            assert database.run_readonly("SELECT code FROM concert WHERE concert_id = 1").rows == [("007",)]
        finally:
            database.close()
    with pytest.raises(Exception, match="does not exist"):
        PostgresDatabase(url).tables()


def test_eval_sql_on_postgres_generates_there_and_scores_against_sqlite_gold(
    messy_sqlite, tmp_path, minilm, pg_server_url, capsys
):
    spider = messy_sqlite.parent.parent.parent
    (spider / "database").mkdir()
    messy_sqlite.parent.rename(spider / "database" / "venue")
    questions = [
        {"db_id": "venue", "question": "How many concerts are there?", "query": "SELECT count(*) FROM concert"},
        {
            "db_id": "venue",
            "question": "What is the average capacity of stadiums?",
            "query": "SELECT avg(Capacity) FROM Stadium",
        },
    ]
    (spider / "dev.json").write_text(json.dumps(questions))
    services = offline_services(tmp_path, minilm)
    assert run_command(["eval", "sql", "--spider", str(spider), "--postgres", pg_server_url], services) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["database"] == "postgres"
    # avg() comes back from PostgreSQL as exact decimal text and still matches SQLite's float.
    assert report["offline"]["answered"] == 2 and report["offline"]["correct"] == 2


def test_eval_sql_on_an_unreachable_postgres_says_so(tmp_path, minilm, capsys, messy_sqlite):
    spider = messy_sqlite.parent.parent.parent
    (spider / "database").mkdir()
    messy_sqlite.parent.rename(spider / "database" / "venue")
    (spider / "dev.json").write_text(
        json.dumps([{"db_id": "venue", "question": "How many concerts?", "query": "SELECT count(*) FROM concert"}])
    )
    services = offline_services(tmp_path, minilm)
    url = "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"
    assert run_command(["eval", "sql", "--spider", str(spider), "--postgres", url], services) == 2
    assert "PostgreSQL at" in capsys.readouterr().err
