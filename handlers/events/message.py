"""Plain messages: files shared with a message, direct messages, and follow-ups in the bot's threads.

Whether a message needs work is decided in the matchers (cheap: a key lookup), so on Lambda only
messages the bot answers cost a self-invocation; every other message is acknowledged and dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.conversation import answer_message_event, ingest_event_files
from handlers.events.chatter import is_chatter
from handlers.services import BotServices
from handlers.state.thread_memory import is_bot_thread


def _mentions_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    # A mention also arrives as app_mention; that listener answers it.
    return bool(bot_user_id) and f"<@{bot_user_id}" in (event.get("text") or "")


def is_file_share(event: dict[str, Any]) -> bool:
    return event.get("subtype") == "file_share" and bool(event.get("files"))


def _posted_by_a_person(event: dict[str, Any]) -> bool:
    # A file shared with a comment is a message too: its comment may ask about the file.
    return event.get("subtype") in (None, "file_share") and not event.get("bot_id")


def is_direct_question(event: dict[str, Any], context: BoltContext) -> bool:
    return (
        event.get("channel_type") == "im"
        and _posted_by_a_person(event)
        and not _mentions_bot(event, context.bot_user_id)
    )


def is_thread_follow_up(services: BotServices, event: dict[str, Any], context: BoltContext) -> bool:
    thread_ts = event.get("thread_ts")
    return (
        isinstance(thread_ts, str)
        and bool(thread_ts)
        and thread_ts != event.get("ts")
        and _posted_by_a_person(event)
        and event.get("channel_type") != "im"
        and not _mentions_bot(event, context.bot_user_id)
        and not is_chatter(event.get("text") or "")  # "thanks!", "ok cool": no answer needed
        and is_bot_thread(services, event["channel"], thread_ts)
    )


def register(app: App, services: BotServices) -> None:
    def ingest_message_files(
        event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
    ) -> None:
        ingest_event_files(services, client, event, context.team_id or "", logger)

    def reply_to_message(
        event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
    ) -> None:
        answer_message_event(services, event, context, client, logger)

    def follows_up(event: dict[str, Any], context: BoltContext) -> bool:
        return is_thread_follow_up(services, event, context)

    # Bolt runs the first listener that matches: a file shared in a direct message or in the bot's
    # thread is answered (indexed first, then its comment answered if it asks something).
    app.event("message", matchers=[is_direct_question])(ack=acknowledge, lazy=[reply_to_message])
    app.event("message", matchers=[follows_up])(ack=acknowledge, lazy=[reply_to_message])
    app.event("message", matchers=[is_file_share])(ack=acknowledge, lazy=[ingest_message_files])
    # Everything else (edits, joins, chatter in channels): acknowledged so Slack does not retry.
    app.event("message")(acknowledge)
