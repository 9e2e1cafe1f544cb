"""The reworded Spider set: one split at a time, gold SQL read from the Spider folder by position."""

from __future__ import annotations

import json

import pytest

from core.eval.reworded import main, write_reworded_spider


@pytest.fixture
def spider(tmp_path):
    folder = tmp_path / "spider"
    (folder / "database").mkdir(parents=True)
    dev = [
        {"db_id": "zoo", "question": "How many animals?", "query": "SELECT count(*) FROM animal"},
        {"db_id": "zoo", "question": "List keepers.", "query": "SELECT name FROM keeper"},
        {"db_id": "shop", "question": "How many shops?", "query": "SELECT count(*) FROM shop"},
    ]
    (folder / "dev.json").write_text(json.dumps(dev), encoding="utf-8")
    return folder


def _rewordings(tmp_path, lines: list[dict]) -> object:
    path = tmp_path / "rewordings.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_one_split_with_gold_sql_by_position(tmp_path, spider) -> None:
    rewordings = _rewordings(
        tmp_path,
        [
            {"index": 0, "db_id": "zoo", "question": "How many beasts are there?", "split": "tune"},
            {"index": 1, "db_id": "zoo", "question": "Who are the zookeepers?", "split": "dev2"},
            {"index": 2, "db_id": "shop", "question": "How many stores?", "split": "test"},
        ],
    )
    out = tmp_path / "out"
    report = write_reworded_spider(spider, out, "dev2", rewordings)
    assert report["questions"] == 1
    written = json.loads((out / "dev.json").read_text(encoding="utf-8"))
    assert written == [{"db_id": "zoo", "question": "Who are the zookeepers?", "query": "SELECT name FROM keeper"}]
    assert (out / "database").resolve() == (spider / "database").resolve()
    assert write_reworded_spider(spider, tmp_path / "all", None, rewordings)["questions"] == 3


def test_a_rewording_of_another_database_is_refused(tmp_path, spider) -> None:
    rewordings = _rewordings(tmp_path, [{"index": 2, "db_id": "zoo", "question": "?", "split": "tune"}])
    with pytest.raises(ValueError, match="is of shop"):
        write_reworded_spider(spider, tmp_path / "out", "tune", rewordings)


def test_the_command_accepts_the_dev2_split(tmp_path, capsys) -> None:
    # dev2 is a split name the command takes (it then finds no Spider folder here)
    assert main(["--spider", str(tmp_path / "none"), "--out", str(tmp_path / "o"), "--split", "dev2"]) == 2
    assert "dev.json not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--spider", str(tmp_path / "none"), "--out", str(tmp_path / "o"), "--split", "other"])


def test_the_command_accepts_the_test2_split(tmp_path, spider) -> None:
    rewordings = _rewordings(
        tmp_path,
        [
            {"index": 0, "db_id": "zoo", "question": "how many critters do we have", "split": "test2"},
            {"index": 2, "db_id": "shop", "question": "How many stores?", "split": "test"},
        ],
    )
    out = tmp_path / "out"
    assert write_reworded_spider(spider, out, "test2", rewordings)["questions"] == 1
    written = json.loads((out / "dev.json").read_text(encoding="utf-8"))
    assert [item["question"] for item in written] == ["how many critters do we have"]
    assert main(["--spider", str(tmp_path / "none"), "--out", str(tmp_path / "o"), "--split", "test2"]) == 2
