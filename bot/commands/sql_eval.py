"""`python -m bot train [--docs FILE] [--examples FILE]` and `python -m bot eval sql --spider DIR …`."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands import ServicesFactory, Subparsers, subcommands

if TYPE_CHECKING:
    from openai import OpenAI

    from core.embeddings.base import Embedder
    from core.llm.base import ChatMessage
    from core.sql.databases.base import Database, SqliteDatabase
    from core.sql.generate.base import SqlGenerator
    from core.sql.models import TableInfo


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    train = sub.add_parser("train", help="train SQL knowledge: schema DDL, business terms, example questions")
    train.add_argument("--docs", type=Path, help="text/Markdown file of business terms (one per paragraph)")
    train.add_argument("--examples", type=Path, help="JSON list (or JSON lines) of {question, sql}")
    train.set_defaults(func=cmd_train)

    evaluation = subcommands(sub, "eval").add_parser(
        "sql", help="text-to-SQL accuracy on Spider (or --guard: guard false blocks)"
    )
    evaluation.add_argument("--spider", type=Path, required=True, help="Spider folder with dev.json and database/")
    evaluation.add_argument("--db-ids", help="comma-separated database ids (default: all)")
    evaluation.add_argument("--limit", type=int, help="only the first N questions")
    evaluation.add_argument("--guard", action="store_true", help="check every gold query passes the guard instead")
    evaluation.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        help="copy each database into a scratch PostgreSQL database on this server (lower-case names, as "
        "PostgreSQL folds them) and generate and run there; gold still runs on SQLite",
    )
    evaluation.add_argument("--mistakes", type=int, default=0, help="include up to N wrong answers per path")
    evaluation.add_argument(
        "--context",
        action="store_true",
        help="all databases in one store: are the gold query's tables and columns in the LLM prompt? (no LLM needed)",
    )
    evaluation.add_argument(
        "--nearest",
        action="store_true",
        help="with --context: the knowledge store's 5 nearest tables instead of the relevance selector",
    )
    evaluation.add_argument(
        "--schema-tokens",
        type=int,
        default=None,
        help="with --context: the selector's token budget for table DDL (default: the generator's)",
    )
    evaluation.set_defaults(func=cmd_eval_sql)

    perturb = subcommands(sub, "eval").add_parser(
        "perturb-spider",
        help="write a Spider copy renamed like real schemas (prefixes, abbreviations, run-ons), gold SQL rewritten",
    )
    perturb.add_argument("--spider", type=Path, required=True, help="Spider folder with dev.json and database/")
    perturb.add_argument("--out", type=Path, required=True, help="new folder for the perturbed set (e.g. under .data/)")
    perturb.add_argument("--seed", type=int, default=0, help="the draw of styles and renamings")
    perturb.add_argument("--db-ids", help="comma-separated database ids (default: all)")
    perturb.set_defaults(func=cmd_perturb_spider)


def cmd_train(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from bot.wiring import SettingsError

    try:
        summary = services_factory().train(args.docs, args.examples)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


def cmd_eval_sql(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    if not (args.spider / "dev.json").is_file():
        print(f"error: {args.spider}/dev.json not found: --spider must point at a Spider folder", file=sys.stderr)
        return 2
    db_ids = [d.strip() for d in args.db_ids.split(",") if d.strip()] if args.db_ids else None
    if args.guard:
        from core.eval.sql_guard import guard_eval

        print(json.dumps(guard_eval(args.spider, db_ids), indent=2))
        return 0
    if args.context:
        return _eval_context(args, services_factory, db_ids)
    from core.eval.sql_eval import evaluate

    services = services_factory()
    with tempfile.TemporaryDirectory(prefix="sql-eval-") as scratch:
        make_generators = generator_factory(
            services.embedder, Path(scratch), services.openai_client, services.settings.openai_chat_model
        )
        options = {"target": postgres_target(args.postgres)} if args.postgres else {}
        import psycopg

        try:
            report = evaluate(
                args.spider, make_generators, db_ids=db_ids, limit=args.limit, keep_mistakes=args.mistakes, **options
            )
        except psycopg.Error as error:  # only the scratch copy talks to PostgreSQL outside a guarded run
            print(f"error: PostgreSQL at {args.postgres}: {error}", file=sys.stderr)
            return 2
    if args.postgres:
        report["database"] = "postgres"
    print(json.dumps(report, indent=2))
    return 0


def postgres_target(admin_url: str) -> Callable[[str, SqliteDatabase], AbstractContextManager[Database]]:
    """target(db_id, sqlite) for evaluate(): a scratch PostgreSQL copy, dropped afterwards."""
    from contextlib import contextmanager

    from core.eval.sql_postgres import copy_to_postgres, scratch_postgres
    from core.sql.databases.postgres import PostgresDatabase

    @contextmanager
    def target(db_id: str, sqlite_database: SqliteDatabase) -> Iterator[Database]:
        with scratch_postgres(admin_url, db_id) as url:
            copy_to_postgres(sqlite_database.path, url)
            yield PostgresDatabase(url)

    return target


def cmd_perturb_spider(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from core.eval.perturb import perturb_spider

    if not (args.spider / "dev.json").is_file():
        print(f"error: {args.spider}/dev.json not found: --spider must point at a Spider folder", file=sys.stderr)
        return 2
    db_ids = [d.strip() for d in args.db_ids.split(",") if d.strip()] if args.db_ids else None
    try:
        report = perturb_spider(args.spider, args.out, args.seed, db_ids)
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report | {"out": str(args.out)}, indent=2))
    return 0


def _eval_context(args: argparse.Namespace, services_factory: ServicesFactory, db_ids: list[str] | None) -> int:
    from core.eval.sql_context import evaluate_context

    services = services_factory()
    with tempfile.TemporaryDirectory(prefix="sql-context-") as scratch:
        build = prompter_factory(
            services.embedder,
            Path(scratch),
            services.settings.openai_chat_model,
            nearest=args.nearest,
            schema_tokens=args.schema_tokens,
        )
        report = evaluate_context(args.spider, build, db_ids=db_ids, limit=args.limit)
    print(json.dumps(report, indent=2))
    return 0


def prompter_factory(
    embedder: Embedder, scratch: Path, model: str, *, nearest: bool = False, schema_tokens: int | None = None
) -> Callable[[list[TableInfo]], Callable[[str], list[ChatMessage]]]:
    """All tables in one scratch knowledge store → prompt(question), as the LLM path builds it."""
    from core.schema import SchemaUnderstanding
    from core.schema.selector import SchemaSelector
    from core.schema.synonyms import WordNetThesaurus
    from core.sql.generate.vanna import VannaSqlGenerator
    from core.sql.knowledge import SqlKnowledge
    from core.vectors.local import LocalVectorStore

    def build(tables: list[TableInfo]) -> Callable[[str], list[ChatMessage]]:
        knowledge = SqlKnowledge(embedder, LocalVectorStore(scratch / "vectors"), namespace="sql-spider-warehouse")
        knowledge.train(tables)
        selector = None
        if not nearest:
            understanding = SchemaUnderstanding.build(tables, thesaurus=WordNetThesaurus.load(), embedder=embedder)
            budget = {"budget_tokens": schema_tokens} if schema_tokens else {}
            selector = SchemaSelector(understanding, tables, embedder, **budget)
        generator = VannaSqlGenerator(
            None,  # type: ignore[arg-type]  # no client: the prompt is built, never sent
            model,
            knowledge,
            "sqlite",
            schema_selector=selector,
        )
        return generator.prompt

    return build


def generator_factory(
    embedder: Embedder, scratch: Path, openai_client: OpenAI | None = None, model: str = "gpt-4o-mini"
) -> Callable[[str, Database], dict[str, SqlGenerator]]:
    """Per Spider database: knowledge trained on its schema alone, an offline and maybe an LLM generator."""
    from core.schema.lexicon import EnglishLexicon
    from core.schema.synonyms import WordNetThesaurus
    from core.sql.generate.offline import OfflineSqlGenerator
    from core.sql.knowledge import SqlKnowledge
    from core.vectors.local import LocalVectorStore

    # A scratch store: evaluation never touches the bot's own trained knowledge.
    store = LocalVectorStore(scratch / "vectors")
    lexicon, thesaurus = EnglishLexicon.load(), WordNetThesaurus.load()  # once for every database

    def make(db_id: str, database: Database) -> dict[str, SqlGenerator]:
        knowledge = SqlKnowledge(embedder, store, namespace=f"sql-spider-{db_id}")
        knowledge.train(database.tables())
        generators: dict[str, SqlGenerator] = {
            "offline": OfflineSqlGenerator(database, knowledge, thesaurus=thesaurus, lexicon=lexicon)
        }
        if openai_client is not None:
            from core.sql.generate.vanna import VannaSqlGenerator

            generators["llm"] = VannaSqlGenerator(
                client=openai_client, model=model, knowledge=knowledge, dialect=database.dialect
            )
        return generators

    return make
