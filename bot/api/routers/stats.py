"""/api/v1/stats and /api/v1/cache: what the bot holds, and its caches (counted, and cleared)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from bot.api.schemas import CacheCleared, CacheStats, DayUsage, Limits, Stats
from bot.api.security import ServicesDep
from bot.wiring import Services
from core.answers.base import ANSWER_PREFIX
from core.embeddings.cached import KEY_PREFIX as EMBEDDING_PREFIX
from core.sql.generate.cached import KEY_PREFIX as GENERATED_SQL_PREFIX

router = APIRouter(tags=["stats"])


def cache_stats(services: Services) -> CacheStats:
    return CacheStats(
        answers=len(services.kv.keys(ANSWER_PREFIX)),
        embeddings=len(services.kv.keys(EMBEDDING_PREFIX)),
        sql=len(services.kv.keys(GENERATED_SQL_PREFIX)),
    )


@router.get("/stats", response_model=Stats, summary="Counts of documents, training, queries, feedback; usage per day")
def stats(services: ServicesDep) -> Stats:
    records = services.documents.list(None)
    training = Counter[str](record.kind for record in services.knowledge.records())
    queries = Counter[str](query.status for query in services.approvals.all())
    ratings = Counter[str](feedback.rating for feedback in services.feedback.all())
    return Stats(
        documents=len(records),
        pages=sum(r.pages for r in records),
        chunks=sum(r.chunks for r in records),
        tables=len(services.db.tables()),
        training=dict(training),
        queries=dict(queries),
        feedback=dict(ratings),
        cache=cache_stats(services),
        usage=[DayUsage(**day.to_dict()) for day in services.limits.usage()],
        limits=limits(services),
    )


def limits(services: Services) -> Limits:
    policy = services.limits.policy
    return Limits(
        rate_user_per_min=policy.user_per_min,
        rate_channel_per_min=policy.channel_per_min,
        llm_daily_tokens=policy.daily_tokens,
        budget_spent=services.limits.budget_spent(),
    )


@router.get("/cache", response_model=CacheStats, summary="Entries in the answer, embedding and generated-SQL caches")
def get_cache_stats(services: ServicesDep) -> CacheStats:
    return cache_stats(services)


@router.delete("/cache", response_model=CacheCleared, summary="Clear a cache")
def clear_cache(
    services: ServicesDep,
    kind: Annotated[Literal["answers", "embeddings", "sql", "all"], Query(description="which cache")] = "answers",
) -> CacheCleared:
    """Cached answers are recomputed on the next question; cached embeddings on the next ingest or
    question (slower, same vectors); cached SQL on the next data question (one more LLM call)."""
    prefixes = {
        "answers": [ANSWER_PREFIX],
        "embeddings": [EMBEDDING_PREFIX],
        "sql": [GENERATED_SQL_PREFIX],
        "all": [ANSWER_PREFIX, EMBEDDING_PREFIX, GENERATED_SQL_PREFIX],
    }
    removed = 0
    for prefix in prefixes[kind]:
        for key in services.kv.keys(prefix):
            services.kv.delete(key)
            removed += 1
    return CacheCleared(removed=removed)
