"""Spider questions reworded the way people talk, as a Spider-format folder the SQL eval reads.

The rewordings (tests/fixtures/sql/reworded_spider.jsonl) were written by hand for this project:
schema words replaced by what people say ("vocalists" for singers, "winnings" for earnings).
Each line names the Spider dev question it rewords by position; the gold SQL and databases are
read from the Spider folder, never copied. `split` is "tune" or "dev2" (looked at while
developing; dev2 rewords other dev questions than the tune/test pairs, written before the engine
was tuned on it, because 80 tune questions are too few to tune on), "test" (measured once) or
"test2" (a second held-out set of yet other dev questions, written without reading the engine and
before any run on it, because test's 80 questions give too wide a range for precision).

    python -m core.eval.reworded --spider DIR --out DIR [--split tune|dev2|test|test2]
    python -m bot eval sql --spider DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SPLITS = ("tune", "dev2", "test", "test2")
REWORDINGS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "sql" / "reworded_spider.jsonl"


def write_reworded_spider(
    spider_dir: Path, out: Path, split: str | None, rewordings: Path = REWORDINGS
) -> dict[str, object]:
    """out/dev.json with the reworded questions and their gold SQL; out/database links to Spider's."""
    dev = json.loads((spider_dir / "dev.json").read_text(encoding="utf-8"))
    questions = []
    for line in rewordings.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if split and item["split"] != split:
            continue
        original = dev[item["index"]]
        if original["db_id"] != item["db_id"]:
            raise ValueError(
                f"question {item['index']} is of {original['db_id']}, not {item['db_id']}: another Spider dev?"
            )
        questions.append({"db_id": item["db_id"], "question": item["question"], "query": original["query"]})
    out.mkdir(parents=True, exist_ok=True)
    (out / "dev.json").write_text(json.dumps(questions, indent=1), encoding="utf-8")
    link = out / "database"
    if not link.exists():
        link.symlink_to((spider_dir / "database").resolve(), target_is_directory=True)
    return {"questions": len(questions), "split": split or "all", "out": str(out)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", type=Path, required=True, help="Spider folder with dev.json and database/")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (e.g. under .data/)")
    parser.add_argument("--split", choices=SPLITS, help="only one split (default: all)")
    args = parser.parse_args(argv)
    if not (args.spider / "dev.json").is_file():
        print(f"error: {args.spider}/dev.json not found", file=sys.stderr)
        return 2
    print(json.dumps(write_reworded_spider(args.spider, args.out, args.split)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
