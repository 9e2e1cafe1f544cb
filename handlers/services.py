"""What the listeners need from the composition root (bot/wiring.Services satisfies this)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore


class BotServices(Protocol):
    settings: Any  # bot.settings.Settings: slack_bot_token, max_file_mb
    kv: KeyValueStore  # dedup marks, thread marks, activity log
    ack_kv: KeyValueStore  # the same store with short timeouts, for reads before the ack
    documents: Any  # core.documents.service.DocumentService: ingest, list
    answerer: Any  # core.answers.Answerer: answer
    sql: Any  # core.sql.service.SqlService: propose, approve, reject, edit, save_example, get
    router: Any  # core.routing.Router: route
    db: Any  # core.sql.databases.base.Database: tables (App Home)
    knowledge: Any  # core.sql.knowledge.SqlKnowledge: records (App Home's saved examples)
