"""One question in a Slack thread: ask the assistant (core/assistant), post its reply, 👀 while working.

Shared by mentions, thread follow-ups, direct messages and /ask, so they all behave the same.
What to answer and what to show is the assistant's decision; this module reads Slack (the
question, the thread's history, attached files) and writes Slack (the reply's blocks).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from core.answers.base import Answer
from core.assistant import Scope
from core.limits import QuestionLimited
from core.llm.base import ChatMessage
from core.routing.requests import asks_something
from handlers.events.file_ingest import ingest_shared_file
from handlers.services import BotServices
from handlers.state.answers import remember_answer
from handlers.state.dedup import wait_for_file
from handlers.state.thread_memory import record_activity, remember_thread, thread_route
from handlers.ui.format import escape, truncate
from handlers.ui.hints import EMPTY_QUESTION
from handlers.ui.progress import post_failure, working_on
from handlers.ui.reply import reply_message

HISTORY_MESSAGES = 20  # turns of the thread passed on as history
THREAD_PAGE = 200

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(\|[^>]*)?>")


@dataclass
class Question:
    text: str
    user: str
    channel: str
    thread_ts: str  # where the reply goes (the thread root, or the message that starts it)
    team_id: str = ""
    in_thread: bool = False  # True when thread_ts is an existing thread with history
    # A mention, a DM or /ask always gets a reply; a follow-up without a mention only when
    # something relevant was found (people chat in threads the bot answered).
    addressed: bool = True
    direct: bool = False  # a direct message: it sees no channel's documents

    @property
    def scope(self) -> Scope:
        return Scope(user=self.user, channel=self.channel, thread_ts=self.thread_ts, direct=self.direct)


def strip_mentions(text: str) -> str:
    return " ".join(_MENTION.sub(" ", text or "").split())


def thread_history(
    client: WebClient, channel: str, thread_ts: str, bot_user_id: str | None, before_ts: str | None
) -> list[ChatMessage]:
    """Earlier messages of the thread as chat history: the bot's turns are the assistant's."""
    # Replies come oldest first; one generous page holds the recent turns of any sane thread.
    response = client.conversations_replies(channel=channel, ts=thread_ts, limit=THREAD_PAGE)
    history: list[ChatMessage] = []
    messages: list[dict[str, Any]] = response.get("messages", [])
    for message in messages:
        if before_ts and message.get("ts") == before_ts:
            continue
        from_bot = bool(message.get("bot_id")) or (bot_user_id is not None and message.get("user") == bot_user_id)
        text = strip_mentions(message.get("text", ""))
        if text:
            history.append({"role": "assistant" if from_bot else "user", "content": text})
    return history[-HISTORY_MESSAGES:]


def answer_question(
    services: BotServices,
    client: WebClient,
    question: Question,
    *,
    history: list[ChatMessage] | None,
    logger: logging.Logger,
) -> None:
    """Ask the assistant and post its reply in the thread (unless it has nothing to say)."""
    if not question.text:
        client.chat_postMessage(channel=question.channel, thread_ts=question.thread_ts, text=EMPTY_QUESTION)
        return
    previous = thread_route(services, question.channel, question.thread_ts) if question.in_thread else None
    try:
        reply = services.assistant.ask(
            question.text, question.scope, history, addressed=question.addressed, previous_route=previous
        )
    except QuestionLimited as limited:  # not a failure: a friendly word on when to ask again
        client.chat_postMessage(
            channel=question.channel, thread_ts=question.thread_ts, text=f":hourglass: {escape(limited.user_message)}"
        )
        return
    if reply.silent:
        logger.info("follow-up in %s/%s found nothing relevant; staying quiet", question.channel, question.thread_ts)
        return
    shown = reply.documents.outcome if reply.documents else None
    answer_id = None
    if isinstance(shown, Answer) and shown.mode != "none":
        answer_id = remember_answer(
            services, question.text, shown, channel=question.channel, user=question.user, logger=logger
        )
    message = reply_message(reply, question.user, feedback_id=answer_id)
    # Marked before posting: a reply typed the moment the answer appears must find the mark.
    remember_thread(services, question.channel, question.thread_ts, reply.route.kind)
    client.chat_postMessage(
        channel=question.channel,
        thread_ts=question.thread_ts,
        text=escape(truncate(message.fallback, 2900)),
        blocks=message.blocks,
        unfurl_links=False,
        unfurl_media=False,
    )
    record_activity(
        services, f"question ({reply.route.kind})", question.text, channel=question.channel, user=question.user
    )


def ingest_event_files(
    services: BotServices, client: WebClient, event: dict[str, Any], team_id: str, logger: logging.Logger
) -> None:
    """Files sent with the question are indexed before it is answered: it may well be about them."""
    for file in event.get("files") or []:
        ingest_shared_file(
            services,
            client,
            logger,
            file_id=file["id"],
            channel=event["channel"],
            team_id=team_id,
            file=file,
            share_ts=event.get("ts"),
        )
        # The file_share message or file_shared event may have claimed it first: wait for that one.
        if not wait_for_file(services.kv, event["channel"], file["id"]):
            logger.warning("file %s is still being indexed; answering without waiting longer", file["id"])


def answer_message_event(
    services: BotServices, event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    """A mention, a thread follow-up or a DM: answer it in its thread, 👀 while working."""
    channel, ts = event["channel"], event["ts"]
    thread_ts = event.get("thread_ts") or ts
    direct = event.get("channel_type") == "im"
    question = Question(
        text=strip_mentions(event.get("text", "")),
        user=event.get("user", ""),
        channel=channel,
        thread_ts=thread_ts,
        team_id=context.team_id or "",
        in_thread=thread_ts != ts,
        addressed=event.get("type") == "app_mention" or direct,
        direct=direct,
    )
    try:
        ingest_event_files(services, client, event, question.team_id, logger)
    except Exception as exc:
        post_failure(client, channel, thread_ts, "index the attached file", exc, logger)
    if event.get("files") and not asks_something(question.text):
        return  # "here is the report": the indexing reply already said what happened
    with working_on(client, channel, ts, logger):
        try:
            history = (
                thread_history(client, channel, thread_ts, context.bot_user_id, ts) if question.in_thread else None
            )
            answer_question(services, client, question, history=history, logger=logger)
        except Exception as exc:
            post_failure(client, channel, thread_ts, "answer that", exc, logger)
