"""Request and response bodies of the REST API (their JSON Schemas are in /openapi.json)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Question = Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S", description="the question, in words")]
CHANNEL_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"  # a Slack channel id (or any name without spaces)
Channel = Annotated[str | None, Field(pattern=CHANNEL_PATTERN, description="answer as if asked in this channel")]


class AskRequest(BaseModel):
    question: Question
    channel: Channel = None


class SqlRequest(BaseModel):
    question: Question
    channel: Channel = None


class DocumentOut(BaseModel):
    doc_id: str
    file_name: str
    ext: str
    pages: int
    chunks: int
    size: int
    channels: list[str]
    workspace_wide: bool
    created: float
    embedding_model: str
    vectors_pending: bool = False  # searchable by keywords; its vectors are still being computed


class DocumentList(BaseModel):
    documents: list[DocumentOut]


class IngestOut(BaseModel):
    file_name: str
    status: Literal["indexed", "already_indexed", "linked"]
    doc_id: str | None
    pages: int
    chunks: int
    pending_chunks: int = 0  # still waiting for their vectors (searchable by keywords meanwhile)
    message: str


class Deleted(BaseModel):
    deleted: str  # the id of what was removed


class QueryOut(BaseModel):
    """A proposed query and where it stands."""

    id: str
    status: Literal["pending", "running", "done", "failed", "rejected", "superseded"]
    sql: str
    question: str
    requester: str
    channel: str | None
    created: float
    updated: float
    tables: list[str]
    approved_by: str | None
    result_summary: str | None
    error: str | None
    parent_id: str | None
    replaced_by: str | None
    saved_example: bool


class ProposalOut(BaseModel):
    kind: Literal["sql", "clarification", "abstain", "refused"]
    message: str
    sql: str | None
    reason: str | None
    id: str | None  # the pending query to approve, when kind is "sql"
    source: str
    tables: list[str]
    similar: list[str]
    notice: str | None = None  # written without the language model: the daily token budget is spent


class ResultOut(BaseModel):
    columns: list[str]
    rows: list[list[str | int | float | bool | None]]
    row_count: int
    truncated: bool
    elapsed_ms: float


class ExecutionOut(BaseModel):
    """Approve's outcome: "done" (with the result) or "failed" (the query ran and failed; see message)."""

    status: Literal["done", "failed"]
    message: str
    can_edit: bool
    query: QueryOut | None
    result: ResultOut | None


class QueryResultOut(BaseModel):
    """What is kept of a query's run: its status and the one-line summary (rows are returned by approve)."""

    id: str
    status: str
    result_summary: str | None
    error: str | None
    approved_by: str | None


class DdlTraining(BaseModel):
    kind: Literal["ddl"]
    table: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\w.]+$")]
    ddl: Annotated[str, Field(min_length=1, max_length=100_000, pattern=r"\S")]


class DocumentationTraining(BaseModel):
    kind: Literal["documentation"]
    text: Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"\S")]


class ExampleTraining(BaseModel):
    kind: Literal["example"]
    question: Question
    sql: Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"\S")]


TrainingIn = Annotated[DdlTraining | DocumentationTraining | ExampleTraining, Field(discriminator="kind")]


class TrainingAdded(BaseModel):
    id: str


class TrainingRecordOut(BaseModel):
    id: str
    kind: Literal["ddl", "doc", "example"]
    text: str
    table: str | None
    question: str | None
    sql: str | None
    source: str | None


class TrainingList(BaseModel):
    records: list[TrainingRecordOut]


class ColumnOut(BaseModel):
    name: str
    type: str
    nullable: bool
    primary_key: bool
    comment: str | None
    references: str | None


class TableOut(BaseModel):
    name: str
    comment: str | None
    columns: list[ColumnOut]
    ddl: str
    trained: bool  # its DDL is in the SQL knowledge (else run `python -m bot train`)


class SchemaOut(BaseModel):
    tables: list[TableOut]


class FeedbackIn(BaseModel):
    answer_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="from the ask reply's answer_id")]
    rating: Literal["up", "down"]


class FeedbackOut(BaseModel):
    answer_id: str
    rating: Literal["up", "down"]
    user: str
    question: str


class ReindexOut(BaseModel):
    documents: int
    catalog_restored: int = 0  # documents the catalogue had lost, put back from the object store
    reindexed: int
    chunks: int
    failed: list[str]  # "file name: reason" for each document that could not be rebuilt


class CacheStats(BaseModel):
    answers: int  # cached document answers
    embeddings: int  # cached embedding vectors
    sql: int = 0  # cached generated SQL (what the language model wrote, kept a day)


class CacheCleared(BaseModel):
    removed: int


class DayUsage(BaseModel):
    day: str  # YYYY-MM-DD, UTC
    questions: int  # questions admitted
    refused: int  # questions refused for their rate (user or channel per minute)
    tokens: int  # LLM tokens the model reported using
    offline: int  # questions answered without the model because the token budget was spent


class Limits(BaseModel):
    rate_user_per_min: int  # 0: unlimited
    rate_channel_per_min: int
    llm_daily_tokens: int
    budget_spent: bool  # today's tokens reached the budget: questions are answered without the model


class Stats(BaseModel):
    documents: int
    pages: int
    chunks: int
    tables: int
    training: dict[str, int]  # records per kind: ddl, doc, example
    queries: dict[str, int]  # proposed queries per status, within their lifetime
    feedback: dict[str, int]  # ratings of documents answers: up, down
    cache: CacheStats
    usage: list[DayUsage] = []  # the last seven UTC days, today first
    limits: Limits | None = None


class DependencyOut(BaseModel):
    status: Literal["ok", "failing", "not_configured"]
    latency_ms: float | None
    detail: str | None = None


class Readiness(BaseModel):
    ready: bool
    dependencies: dict[str, DependencyOut]
