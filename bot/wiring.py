"""The composition root: Settings in, ready-to-use services out.

Every service is built on first use (so `python -m bot --help` and the Lambda import stay fast)
and at most once per Services object. Tests build Services from their own Settings.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from bot.settings import Settings
from core.cache.kinds import DOCUMENT_ANSWERS, EMBEDDINGS, GENERATED_SQL
from core.errors import DocBotError

if TYPE_CHECKING:  # the services' types, for readers and mypy; the modules load on first use
    from openai import OpenAI

    from bot.metrics import Metrics
    from bot.work_queue import SlackTaskQueue
    from core.answers.answerer import Answerer
    from core.assistant import Assistant, Sources
    from core.cache.base import KeyValueStore
    from core.cache.kinds import CacheKind, CacheStats, KindCache
    from core.documents.service import DocumentService
    from core.embeddings.base import Embedder
    from core.feedback.base import FeedbackStore
    from core.limits.kv import KeyValueLimits
    from core.llm.base import ChatModel
    from core.rerank.base import Reranker
    from core.routing.router import Router
    from core.schema import SchemaUnderstanding
    from core.schema.selector import SchemaSelector
    from core.schema.synonyms import Thesaurus
    from core.search.retriever import Retriever
    from core.sql.approvals import ApprovalStore
    from core.sql.databases.base import Database
    from core.sql.generate.base import SqlGenerator
    from core.sql.guard import SqlGuard
    from core.sql.knowledge import Example, SqlKnowledge
    from core.sql.models import DatabaseUnavailable
    from core.sql.results import ResultStore
    from core.sql.service import SqlService
    from core.storage.base import ObjectStore
    from core.vectors.base import VectorStore

log = logging.getLogger("bot")

# Nothing may be downloaded at run time: keep Hugging Face libraries off the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# A passage grown from a table may be this long (word pieces) instead of 512: a financial
# statement cut into several chunks is read whole (measured in README: eval retrieval).
TABLE_PASSAGE_TOKENS = 1024
# After the database could not be reached, questions skip trying it again for this long: a host
# that drops packets costs each try the whole connect timeout, which every question would wait.
DATABASE_RETRY_S = 30.0


class SettingsError(DocBotError, ValueError):
    """A configuration value that cannot be used; the message names the variable."""

    what = "The configuration cannot be used"


def load_settings() -> Settings:
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            problems.append(f"{name}={error.get('input')!r}: {error['msg']}")
        raise SettingsError("bad configuration: " + "; ".join(problems)) from None
    lambda_problems = settings.lambda_problems()
    if lambda_problems:
        raise SettingsError("cannot run on AWS Lambda with this configuration: " + "; ".join(lambda_problems))
    return settings


def configure_logging(settings: Settings) -> None:
    """Text lines locally; JSON lines with request and Slack event ids on Lambda (bot/logs.py says why)."""
    from bot.logs import configure_logging as configure

    configure(settings.log_level, json_lines=settings.on_lambda)


class DocumentOptions(TypedDict, total=False):
    """Limits, parser and chunking settings of a document service (build_document_service's options;
    each has a default there, so any subset is complete)."""

    max_file_mb: float
    max_pages: int
    max_chars: int
    max_chunks: int
    max_seconds: float
    artifacts_path: str | None
    chunk_tokens: int
    chunk_overlap: int
    chunk_min_tokens: int


class RetrieverOptions(TypedDict):
    """A retriever's second-stage settings (Services.retriever_options)."""

    reranker: Reranker | None
    table_passage_tokens: int


class Services:
    """Lazily built services for one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._database_down: tuple[float, DatabaseUnavailable] | None = None  # (when, why)
        # One try to reach the database at a time: questions that arrive meanwhile take its verdict
        # rather than each waiting out a connect timeout of its own, one after another.
        self._database_try = threading.Lock()

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    # One deployment serves one Slack workspace (one bot token): one namespace per kind of data.
    team_namespace = "default"

    # --- storage -------------------------------------------------------------------------

    @cached_property
    def kv(self) -> KeyValueStore:
        if self.settings.redis_url:
            from core.cache.redis_store import RedisKeyValueStore

            return RedisKeyValueStore.from_url(self.settings.redis_url.get_secret_value(), prefix="bot:")
        from core.cache.local import LocalKeyValueStore

        return LocalKeyValueStore(self.data_dir / "kv.sqlite")

    @cached_property
    def cache_stats(self) -> CacheStats:
        from core.cache.kinds import CacheStats

        return CacheStats()

    def cache(self, kind: CacheKind) -> KindCache:
        """The key-value store as one kind of cache: its lifetime, counted, failing soft."""
        from core.cache.kinds import KindCache

        return KindCache(self.kv, kind, self.cache_stats)

    @cached_property
    def metrics(self) -> Metrics:
        from bot.metrics import Metrics

        return Metrics(self.cache_stats, queue=lambda: self.work_queue)

    @cached_property
    def ack_kv(self) -> KeyValueStore:
        """The store the acknowledgement path reads (dedup marks, thread marks): the same data as `kv`,
        with short Redis timeouts so a frozen Redis fails open within Slack's 3-second budget."""
        if self.settings.redis_url:
            from core.cache.redis_store import RedisKeyValueStore

            return RedisKeyValueStore.from_url(
                self.settings.redis_url.get_secret_value(), prefix="bot:", timeout_s=self.settings.redis_ack_timeout_s
            )
        return self.kv

    @cached_property
    def work_queue(self) -> SlackTaskQueue | None:
        """The queue `serve` enqueues on (short Redis timeouts: it is on the ack path), or None inline."""
        return self.task_queue(socket_timeout_s=self.settings.redis_ack_timeout_s) if self.settings.queued else None

    def task_queue(self, *, socket_timeout_s: float | None = None) -> SlackTaskQueue:
        from bot.work_queue import SlackTaskQueue, build_broker

        s = self.settings
        broker = build_broker(
            s.redis_url.get_secret_value(),
            namespace=s.queue_namespace,
            heartbeat_timeout_s=s.queue_heartbeat_timeout_s,
            socket_timeout_s=socket_timeout_s,
        )
        return SlackTaskQueue(broker, time_limit_s=s.task_time_limit_s)

    @cached_property
    def objects(self) -> ObjectStore:
        s = self.settings
        if s.object_store == "s3":
            import boto3

            from core.storage.s3 import S3ObjectStore

            if not s.s3_bucket:
                raise ValueError("OBJECT_STORE=s3 needs S3_BUCKET")
            client = boto3.client("s3", region_name=s.aws_region, endpoint_url=s.s3_endpoint_url or None)
            return S3ObjectStore(bucket=s.s3_bucket, prefix=s.s3_prefix, client=client)
        from core.storage.local import LocalObjectStore

        return LocalObjectStore(self.data_dir / "files")

    @cached_property
    def vectors(self) -> VectorStore:
        s = self.settings
        if s.vector_store == "pinecone":
            from core.vectors.pinecone import PineconeVectorStore

            if not (s.pinecone_api_key and s.pinecone_index_host):
                raise ValueError("VECTOR_STORE=pinecone needs PINECONE_API_KEY and PINECONE_INDEX_HOST")
            return PineconeVectorStore(api_key=s.pinecone_api_key.get_secret_value(), host=s.pinecone_index_host)
        from core.vectors.local import LocalVectorStore

        return LocalVectorStore(self.data_dir / "vectors")

    # --- models --------------------------------------------------------------------------

    @cached_property
    def openai_client(self) -> OpenAI | None:
        if self.settings.offline:
            return None
        from core.llm.openai import make_openai_client

        s = self.settings
        return make_openai_client(
            api_key=s.openai_api_key.get_secret_value(), base_url=s.openai_base_url or None, timeout=s.llm_timeout_s
        )

    @cached_property
    def llm(self) -> ChatModel | None:
        if self.openai_client is None:
            return None
        from core.llm.openai import OpenAIChatModel

        return OpenAIChatModel(self.openai_client, self.settings.openai_chat_model, meter=self.limits)

    @cached_property
    def limits(self) -> KeyValueLimits:
        """Question rates and the daily LLM token budget, counted in the key-value store."""
        from core.limits.base import LimitPolicy
        from core.limits.kv import KeyValueLimits

        s = self.settings
        policy = LimitPolicy(s.rate_user_per_min, s.rate_channel_per_min, s.llm_daily_tokens)
        return KeyValueLimits(self.kv, policy)

    @cached_property
    def embedder(self) -> Embedder:
        from core.embeddings.cached import CachedEmbedder

        s = self.settings
        inner: Embedder
        if s.embedding_provider == "openai":
            if self.openai_client is None:
                raise ValueError("EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
            from core.embeddings.openai import OpenAIEmbedder

            inner = OpenAIEmbedder(self.openai_client, s.openai_embedding_model)
        else:
            from core.embeddings.minilm import LocalMiniLMEmbedder

            inner = LocalMiniLMEmbedder()
        return CachedEmbedder(inner, self.cache(EMBEDDINGS), ttl_s=EMBEDDINGS.ttl_s)

    # --- documents -----------------------------------------------------------------------

    @cached_property
    def documents(self) -> DocumentService:
        from core.documents.service import build_document_service

        return build_document_service(
            embedder=self.embedder,
            vectors=self.vectors,
            objects=self.objects,
            kv=self.kv,
            namespace=f"docs-{self.team_namespace}",
            **self.document_options(),
        )

    def document_options(self) -> DocumentOptions:
        """Limits, parser and chunking settings for a document service (also `bench ingest`'s)."""
        s = self.settings
        return {
            "max_file_mb": s.max_file_mb,
            "max_pages": s.max_pages,
            "max_chars": s.max_text_chars,
            "max_chunks": s.max_chunks,
            "max_seconds": s.max_ingest_seconds,
            "artifacts_path": s.docling_artifacts_path or None,
            "chunk_tokens": s.chunk_tokens,
            "chunk_overlap": s.chunk_overlap,
            "chunk_min_tokens": s.chunk_min_tokens,
        }

    @cached_property
    def retriever(self) -> Retriever:
        from core.search.retriever import Retriever

        return Retriever(
            self.embedder,
            self.vectors,
            self.documents,
            namespace=f"docs-{self.team_namespace}",
            **self.retriever_options(),
        )

    @cached_property
    def reranker(self) -> Reranker | None:
        if self.settings.reranker == "none":
            return None
        from core.rerank.evidence import EvidenceReranker

        return EvidenceReranker()

    def retriever_options(self) -> RetrieverOptions:
        """Second-stage settings for a retriever (also `eval retrieval`'s)."""
        return {"reranker": self.reranker, "table_passage_tokens": TABLE_PASSAGE_TOKENS}

    @cached_property
    def answerer(self) -> Answerer:
        from core.answers.answerer import Answerer

        return Answerer(
            self.retriever,
            self.llm,
            k=self.settings.top_k,
            kv=self.cache(DOCUMENT_ANSWERS),
            cache_ttl_s=DOCUMENT_ANSWERS.ttl_s,
        )

    @cached_property
    def feedback(self) -> FeedbackStore:
        from core.feedback.kv import KeyValueFeedbackStore

        return KeyValueFeedbackStore(self.kv)

    # --- SQL -----------------------------------------------------------------------------

    @cached_property
    def db(self) -> Database:
        from core.sql.databases.base import open_database

        if self.settings.database_url:
            url = self.settings.database_url.get_secret_value()
            return open_database(url, lock_timeout_s=self.settings.lock_timeout_s, retry_after_s=DATABASE_RETRY_S)
        from core.sql.sample import ensure_sample_database

        return open_database(str(ensure_sample_database(self.data_dir)))

    @property
    def uses_sample_database(self) -> bool:
        return not self.settings.database_url

    @cached_property
    def knowledge(self) -> SqlKnowledge:
        knowledge = self._new_knowledge()
        if not knowledge.trained_tables():
            # A fresh install learns its schema on first use; `python -m bot train` is for updates.
            log.info("SQL knowledge is empty: training it from the database schema")
            self._train(knowledge, *self._training_material())
        return knowledge

    def train(self, docs: Path | None = None, examples: Path | None = None) -> dict[str, object]:
        """Re-train SQL knowledge (idempotent); a missing or bad file fails before anything changes."""
        material = self._training_material(docs, examples)
        if "knowledge" not in self.__dict__:  # not through the property: it would train twice
            self.__dict__["knowledge"] = self._new_knowledge()
        return self._train(self.__dict__["knowledge"], *material)

    def _new_knowledge(self) -> SqlKnowledge:
        from core.sql.knowledge import SqlKnowledge

        return SqlKnowledge(self.embedder, self.vectors, namespace=f"sql-{self.team_namespace}", versions=self.kv)

    def _training_material(
        self, docs: Path | None = None, examples: Path | None = None
    ) -> tuple[Path | None, list[str], Path | None, list[Example]]:
        """Given files first, then SQL_DOCS_FILE / SQL_EXAMPLES_FILE, then the sample's own for the sample DB."""
        from core.sql.knowledge import read_documentation_file, read_examples_file
        from core.sql.sample import SAMPLE_DOCS_FILE, SAMPLE_EXAMPLES_FILE

        s, sample = self.settings, self.uses_sample_database
        docs = docs or (Path(s.sql_docs_file) if s.sql_docs_file else (SAMPLE_DOCS_FILE if sample else None))
        examples = examples or (
            Path(s.sql_examples_file) if s.sql_examples_file else (SAMPLE_EXAMPLES_FILE if sample else None)
        )
        try:
            documentation = read_documentation_file(docs) if docs else []
            pairs = read_examples_file(examples) if examples else []
        except FileNotFoundError as exc:
            raise SettingsError(f"training file not found: {exc.filename}") from None
        except (OSError, ValueError) as exc:
            raise SettingsError(f"cannot read a training file: {exc}") from None
        return docs, documentation, examples, pairs

    def _train(
        self,
        knowledge: SqlKnowledge,
        docs: Path | None,
        documentation: list[str],
        examples: Path | None,
        pairs: list[Example],
    ) -> dict[str, object]:
        # A file example the guard would refuse to run is left out and named, not trained: it would
        # only ever be proposed and then refused.
        kept, refused = [], []
        for pair in pairs:  # judged one by one: a question written twice may have one good query
            verdict = self.guard.check(pair.sql)
            if verdict.allowed:
                kept.append(pair)
            else:
                refused.append({"question": pair.question, "reason": verdict.reason or "refused"})
        summary = knowledge.train(self.db.tables(), documentation, kept).to_dict()
        summary["refused_examples"] = refused
        summary["docs_file"] = str(docs) if docs else None
        summary["examples_file"] = str(examples) if examples else None
        return summary

    @cached_property
    def offline_sql_generator(self) -> SqlGenerator:
        from core.sql.generate.offline import OfflineSqlGenerator

        return OfflineSqlGenerator(self.db, self.knowledge, thesaurus=self.thesaurus)

    @cached_property
    def sql_generator(self) -> SqlGenerator:
        offline = self.offline_sql_generator
        if self.openai_client is None:
            return offline
        from core.sql.generate.cached import CachedSqlGenerator
        from core.sql.generate.vanna import VannaSqlGenerator

        # An unreachable LLM degrades to the offline generator instead of refusing outright.
        vanna = VannaSqlGenerator(
            client=self.openai_client,
            model=self.settings.openai_chat_model,
            knowledge=self.knowledge,
            dialect=self.db.dialect,
            fallback=offline,
            schema_selector=self.schema_selector,
            meter=self.limits,
        )
        # What the model wrote is kept a day, keyed by the training version: asking again is free.
        return CachedSqlGenerator(
            vanna,
            self.cache(GENERATED_SQL),
            version=self.knowledge.version,
            identity=f"{self.settings.openai_chat_model}/{self.db.dialect}",
            ttl_s=GENERATED_SQL.ttl_s,
        )

    @cached_property
    def schema_understanding(self) -> SchemaUnderstanding:
        """The database's names as plain words (core/schema), with the operator's descriptions."""
        from core.schema import DescriptionsError, SchemaUnderstanding, load_descriptions

        descriptions = None
        if self.settings.schema_descriptions_file:
            try:
                descriptions = load_descriptions(Path(self.settings.schema_descriptions_file))
            except DescriptionsError as exc:
                raise SettingsError(f"SCHEMA_DESCRIPTIONS_FILE: {exc}") from None
        return SchemaUnderstanding.build(
            self.db.tables(), descriptions=descriptions, thesaurus=self.thesaurus, embedder=self.embedder
        )

    @cached_property
    def thesaurus(self) -> Thesaurus | None:
        """WordNet: synonyms for schema words, and which words routing reads as English; None (and a
        warning) when its package is missing."""
        from core.schema.synonyms import ThesaurusUnavailable, WordNetThesaurus

        try:
            return WordNetThesaurus.load()
        except ThesaurusUnavailable as exc:
            log.warning("no synonyms for schema words: %s", exc)
            return None

    @cached_property
    def schema_selector(self) -> SchemaSelector:
        from core.schema.selector import SchemaSelector

        return SchemaSelector(self.schema_understanding, self.db.tables(), self.embedder)

    @cached_property
    def guard(self) -> SqlGuard:
        from core.sql.guard import SqlGuard

        s = self.settings
        return SqlGuard(
            self.db.dialect,
            allowed_tables={t.name for t in self.db.tables()},
            allow_system_catalogs=s.allow_system_catalogs,
            default_limit=s.default_limit,
        )

    @cached_property
    def approvals(self) -> ApprovalStore:
        from core.sql.approvals import ApprovalStore

        return ApprovalStore(self.kv, ttl_s=self.settings.approval_ttl_s)

    @cached_property
    def sql(self) -> SqlService:
        return self._sql_service(self.sql_generator)

    def _sql_service(self, generator: SqlGenerator) -> SqlService:
        from core.sql.service import SqlService

        s = self.settings
        return SqlService(
            db=self.db,
            guard=self.guard,
            generator=generator,
            approvals=self.approvals,
            examples=self.knowledge,
            approvers=s.approvers,
            max_rows=s.max_rows,
            timeout_s=s.statement_timeout_s,
            results=self.sql_results,
        )

    @cached_property
    def sql_results(self) -> ResultStore:
        from core.sql.results import ResultStore

        return ResultStore(self.kv, ttl_s=self.settings.approval_ttl_s)

    # --- routing -------------------------------------------------------------------------

    @cached_property
    def router(self) -> Router:
        from core.routing import build_router

        return build_router(
            db=self.db,
            knowledge=self.knowledge,
            retriever=self.retriever,
            llm=self.llm,
            embedder=self.embedder,
            understanding=self.schema_understanding,
            dictionary=self.thesaurus,
        )

    # --- the use case --------------------------------------------------------------------

    @property
    def assistant(self) -> Assistant:
        """The assistant; while the database cannot be reached (the SQL side reads its schema when
        it is built), one that answers from the documents and says the database is down. That one
        is not kept: a question DATABASE_RETRY_S after the failure tries the database again."""
        from core.sql.models import DatabaseUnavailable

        with self._database_try:
            down = self._database_down
            if down is None or time.monotonic() - down[0] >= DATABASE_RETRY_S:
                try:
                    assistant = self.connected_assistant
                except DatabaseUnavailable as exc:
                    log.warning("the database cannot be reached, so questions go to the documents first: %s", exc)
                    down = self._database_down = (time.monotonic(), exc)
                else:
                    self._database_down = None
                    return assistant
        from core.assistant import Assistant, DatabaseDown

        outage = DatabaseDown(down[1])
        return Assistant(router=outage, answerer=self.answerer, sql=outage, db=self.db, limits=self.limits)

    @cached_property
    def connected_assistant(self) -> Assistant:
        from core.assistant import Assistant

        return Assistant(
            router=self.router,
            answerer=self.answerer,
            sql=self.sql,
            db=self.db,
            limits=self.limits,
            offline=self.offline_sources,
        )

    @cached_property
    def offline_sources(self) -> Sources | None:
        """The assistant's sources without the language model, for when the day's token budget is
        spent; None when there is no model to go without, or no budget."""
        if self.llm is None or not self.settings.llm_daily_tokens:
            return None
        from core.answers.answerer import Answerer
        from core.assistant import Sources

        # The online router's evidence (vocabulary, schema understanding), without its model.
        router = self.router.without_llm()
        answerer = Answerer(
            self.retriever,
            None,
            k=self.settings.top_k,
            kv=self.cache(DOCUMENT_ANSWERS),
            cache_ttl_s=DOCUMENT_ANSWERS.ttl_s,
        )
        return Sources(router, answerer, self._sql_service(self.offline_sql_generator))


_services: Services | None = None


def services_factory() -> Services:
    """The process-wide Services, built from the environment on first call."""
    global _services
    if _services is None:
        _services = Services(load_settings())
    return _services
