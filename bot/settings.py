"""Settings from environment variables (and an optional .env file).

Every field is documented in README.md and .env.example. Unset values fall back to the
embedded defaults: local files, local stores, the bundled sample database, offline mode.
Secrets (tokens, keys, URLs that may carry a password) are SecretStr: they print as '**********'
in a repr, a log line or an error; `.get_secret_value()` at the one place each is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Where everything local lives: documents, vectors, the local key-value store, the sample DB.
    data_dir: Path = Field(Path(".data"), alias="DATA_DIR")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field("INFO", alias="LOG_LEVEL")

    # Slack
    slack_bot_token: SecretStr = Field(SecretStr(""), alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr = Field(SecretStr(""), alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr = Field(SecretStr(""), alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    # Per Web API request; 5xx and timeouts are retried with backoff. Decorations (👀) use a shorter one.
    slack_timeout_s: float = Field(30.0, alias="SLACK_TIMEOUT_S", gt=0)
    # Users (Slack ids, comma-separated) who may approve anyone's SQL, besides its requester.
    approver_user_ids: str = Field("", alias="APPROVER_USER_IDS")

    # LLM and embeddings: unset OPENAI_API_KEY means offline mode.
    openai_api_key: SecretStr = Field(SecretStr(""), alias="OPENAI_API_KEY")
    openai_base_url: str = Field("", alias="OPENAI_BASE_URL")
    openai_chat_model: str = Field("gpt-4o-mini", alias="OPENAI_CHAT_MODEL")
    # "local" (MiniLM int8 via onnxruntime) or "openai".
    embedding_provider: Literal["local", "openai"] = Field("local", alias="EMBEDDING_PROVIDER")
    openai_embedding_model: str = Field("text-embedding-3-small", alias="OPENAI_EMBEDDING_MODEL")
    llm_timeout_s: float = Field(60.0, alias="LLM_TIMEOUT_S")

    # Vectors: "local" (numpy on disk) or "pinecone".
    vector_store: Literal["local", "pinecone"] = Field("local", alias="VECTOR_STORE")
    pinecone_api_key: SecretStr = Field(SecretStr(""), alias="PINECONE_API_KEY")
    pinecone_index_host: str = Field("", alias="PINECONE_INDEX_HOST")

    # Files: "local" (DATA_DIR/files) or "s3".
    object_store: Literal["local", "s3"] = Field("local", alias="OBJECT_STORE")
    s3_bucket: str = Field("", alias="S3_BUCKET")
    s3_prefix: str = Field("", alias="S3_PREFIX")
    s3_endpoint_url: str = Field("", alias="S3_ENDPOINT_URL")
    aws_region: str = Field("us-east-1", alias="AWS_REGION")

    # Cache, dedup, approvals: Redis when set, else a local SQLite file in DATA_DIR.
    redis_url: SecretStr = Field(SecretStr(""), alias="REDIS_URL")
    # Work after the ack: "auto" = a Redis queue (Dramatiq) when REDIS_URL is set, run by
    # `python -m bot worker`; "inline" = threads inside the serving process (single node).
    work_queue: Literal["auto", "redis", "inline"] = Field("auto", alias="WORK_QUEUE")
    queue_namespace: str = Field("docbot", alias="QUEUE_NAMESPACE")
    # A worker silent this long is dead: its tasks go back to the queue. Must exceed TASK_LEASE_S.
    queue_heartbeat_timeout_s: float = Field(45.0, alias="QUEUE_HEARTBEAT_TIMEOUT_S", gt=0)
    task_lease_s: float = Field(30.0, alias="TASK_LEASE_S", gt=0)
    task_time_limit_s: float = Field(900.0, alias="TASK_TIME_LIMIT_S", gt=0)
    worker_processes: int = Field(2, alias="WORKER_PROCESSES", ge=1)
    worker_threads: int = Field(4, alias="WORKER_THREADS", ge=1)
    # On SIGTERM a worker finishes its running tasks for up to this long; unfinished ones are redelivered.
    worker_drain_s: float = Field(120.0, alias="WORKER_DRAIN_S", gt=0)
    # Refuse to start when Redis would lose durable state (no persistence, or an eviction policy);
    # false: a warning in the log.
    redis_require_durable: bool = Field(False, alias="REDIS_REQUIRE_DURABLE")
    # Redis timeout before the ack (dedup, thread marks): past it the check fails open.
    redis_ack_timeout_s: float = Field(0.3, alias="REDIS_ACK_TIMEOUT_S", gt=0)

    # Documents
    max_file_mb: float = Field(50.0, alias="MAX_FILE_MB")
    max_pages: int = Field(2000, alias="MAX_PAGES")
    max_text_chars: int = Field(10_000_000, alias="MAX_TEXT_CHARS", ge=1)
    max_chunks: int = Field(20_000, alias="MAX_CHUNKS", ge=1)
    max_ingest_seconds: float = Field(900.0, alias="MAX_INGEST_SECONDS", gt=0)
    docling_artifacts_path: str = Field("", alias="DOCLING_ARTIFACTS_PATH")
    chunk_tokens: int = Field(512, alias="CHUNK_TOKENS")
    chunk_overlap: int = Field(50, alias="CHUNK_OVERLAP")
    chunk_min_tokens: int = Field(256, alias="CHUNK_MIN_TOKENS")
    top_k: int = Field(5, alias="TOP_K")
    # Second look at the retrieved candidates: "local" (evidence re-scoring, no model) or "none".
    reranker: Literal["local", "none"] = Field("local", alias="RERANKER")

    # Database: unset DATABASE_URL means the bundled sample database (SQLite).
    database_url: SecretStr = Field(SecretStr(""), alias="DATABASE_URL")
    statement_timeout_s: float = Field(15.0, alias="STATEMENT_TIMEOUT_S")
    lock_timeout_s: float = Field(5.0, alias="LOCK_TIMEOUT_S")
    max_rows: int = Field(1000, alias="MAX_ROWS")
    default_limit: int = Field(1000, alias="SQL_DEFAULT_LIMIT")
    allow_system_catalogs: bool = Field(False, alias="ALLOW_SYSTEM_CATALOGS")
    sql_docs_file: str = Field("", alias="SQL_DOCS_FILE")
    sql_examples_file: str = Field("", alias="SQL_EXAMPLES_FILE")
    approval_ttl_s: int = Field(86400, alias="APPROVAL_TTL_S")
    # YAML or JSON: table → column → plain-English description, for what names cannot say.
    schema_descriptions_file: str = Field("", alias="SCHEMA_DESCRIPTIONS_FILE")

    # Limits (0 = unlimited): questions per user and per channel per minute, and LLM tokens per UTC
    # day; past the budget questions are answered without the model (extracted, offline SQL).
    rate_user_per_min: int = Field(0, alias="RATE_USER_PER_MIN", ge=0)
    rate_channel_per_min: int = Field(0, alias="RATE_CHANNEL_PER_MIN", ge=0)
    llm_daily_tokens: int = Field(0, alias="LLM_DAILY_TOKENS", ge=0)

    # Set by AWS Lambda in every function's environment: how the code knows it runs there.
    aws_lambda_function_name: str = Field("", alias="AWS_LAMBDA_FUNCTION_NAME")

    # REST API (/api/v1/…): callers send it as X-API-Key. Unset: the API refuses every call (503).
    api_key: SecretStr = Field(SecretStr(""), alias="API_KEY")

    @field_validator("embedding_provider", "vector_store", "object_store", "work_queue", "reranker", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        # A misspelt backend must fail loudly, but "S3" or "Pinecone" mean what they say.
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def on_lambda(self) -> bool:
        return bool(self.aws_lambda_function_name)

    def lambda_problems(self) -> list[str]:
        """Why this configuration cannot run on Lambda, one sentence per variable; empty elsewhere.

        Each Lambda instance has its own /tmp and instances come and go: anything kept locally is
        lost or, worse, kept twice (a retried event or a double click handled by two instances).
        """
        if not self.on_lambda:
            return []
        problems = []
        if not self.redis_url:
            problems.append(
                "REDIS_URL is not set: dedup and SQL approvals would live in each instance's /tmp, so a "
                "Slack retry or a double click could run twice"
            )
        if self.vector_store == "local":
            problems.append(
                "VECTOR_STORE=local: indexed documents would stay in one instance's /tmp; set "
                "VECTOR_STORE=pinecone with PINECONE_API_KEY and PINECONE_INDEX_HOST"
            )
        elif not (self.pinecone_api_key and self.pinecone_index_host):
            problems.append("VECTOR_STORE=pinecone needs PINECONE_API_KEY and PINECONE_INDEX_HOST")
        if self.object_store == "local":
            problems.append(
                "OBJECT_STORE=local: stored files would stay in one instance's /tmp; set OBJECT_STORE=s3 with S3_BUCKET"
            )
        elif not self.s3_bucket:
            problems.append("OBJECT_STORE=s3 needs S3_BUCKET")
        return problems

    @property
    def queued(self) -> bool:
        """Whether work after the ack goes through the Redis queue to `python -m bot worker`."""
        if self.work_queue == "redis" and not self.redis_url:
            raise ValueError("WORK_QUEUE=redis needs REDIS_URL")
        return self.work_queue == "redis" or (self.work_queue == "auto" and bool(self.redis_url))

    @property
    def offline(self) -> bool:
        return not self.openai_api_key

    @property
    def approvers(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.approver_user_ids.split(",") if u.strip())
