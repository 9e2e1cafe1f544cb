"""Answering one question in a thread: route it, answer from documents and/or propose SQL, reply.

Shared by mentions, thread follow-ups, direct messages and /ask, so they all behave the same.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass

from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.blocks import ProposalView, answer_blocks, fit_message, notice_blocks, proposal_blocks
from handlers.format import MESSAGE_BLOCK_LIMIT, escape, truncate
from handlers.progress import describe_failure, post_failure, working_on
from handlers.services import BotServices

THREAD_TTL_S = 14 * 24 * 3600  # how long a thread the bot answered keeps answering without a mention
ACTIVITY_TTL_S = 7 * 24 * 3600
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


def strip_mentions(text: str) -> str:
    return " ".join(_MENTION.sub(" ", text or "").split())


def thread_key(channel: str, thread_ts: str) -> str:
    return f"slack:thread:{channel}:{thread_ts}"


def remember_thread(services: BotServices, channel: str, thread_ts: str) -> None:
    services.kv.set(thread_key(channel, thread_ts), "1", ttl_s=THREAD_TTL_S)


def is_bot_thread(services: BotServices, channel: str, thread_ts: str) -> bool:
    return services.kv.get(thread_key(channel, thread_ts)) is not None


def record_activity(services: BotServices, kind: str, text: str, *, channel: str, user: str = "") -> None:
    """A short line for the App Home's recent activity (shown only if `channel` is public)."""
    entry = json.dumps({"at": time.time(), "kind": kind, "text": truncate(text, 150), "user": user, "channel": channel})
    try:
        services.kv.set(f"slack:activity:{time.time_ns():020d}", entry, ttl_s=ACTIVITY_TTL_S)
    except Exception:  # activity is a convenience; never fail an answer over it
        logging.getLogger(__name__).warning("could not record activity", exc_info=True)


def thread_history(client: WebClient, channel: str, thread_ts: str, bot_user_id: str | None, before_ts: str | None) -> list[dict]:
    """Earlier messages of the thread as chat history: the bot's turns are the assistant's."""
    # Replies come oldest first; one generous page holds the recent turns of any sane thread.
    response = client.conversations_replies(channel=channel, ts=thread_ts, limit=THREAD_PAGE)
    history: list[dict] = []
    for message in response.get("messages", []):
        if before_ts and message.get("ts") == before_ts:
            continue
        from_bot = bool(message.get("bot_id")) or (bot_user_id is not None and message.get("user") == bot_user_id)
        text = strip_mentions(message.get("text", ""))
        if text:
            history.append({"role": "assistant" if from_bot else "user", "content": text})
    return history[-HISTORY_MESSAGES:]


def proposal_view(proposal, question: str, requester: str) -> ProposalView:
    """core.sql.service.Proposal as what we display; buttons only when a query awaits approval."""
    pending = proposal.pending
    return ProposalView(
        question=question,
        sql=pending.sql if pending is not None else proposal.sql,
        tables=list(proposal.tables),
        message=proposal.message,
        query_id=pending.id if pending is not None else None,
        requester=requester,
    )


def answer_question(services: BotServices, client: WebClient, question: Question, *, history: list[dict] | None, logger: logging.Logger) -> None:
    """Route, answer, and post one threaded reply; every failing part is said in the reply."""
    text = question.text
    if not text:
        client.chat_postMessage(
            channel=question.channel,
            thread_ts=question.thread_ts,
            text="Ask me something after the mention, e.g. “what does the travel policy say about hotels?” or “revenue per month in 2023”.",
        )
        return
    parts: dict[str, str] = {}
    try:
        route = services.router.route(text, question.channel)
        kind, parts = route.kind, route.parts
    except Exception:  # routing is a guess; when it cannot guess, try both
        logger.warning("routing failed; answering from both sources", exc_info=True)
        kind = "both"
    # A two-part question sends each part to its own source.
    docs_text, sql_text = parts.get("docs", text), parts.get("sql", text)

    doc_blocks: list[dict] = []
    sql_blocks: list[dict] = []
    fallback: list[str] = []
    if kind in ("docs", "both"):
        try:
            answer = services.answerer.answer(docs_text, channel=question.channel, history=history)
            if kind == "docs" or answer.mode != "none":
                doc_blocks = answer_blocks(answer)
                fallback.append(answer.text)
        except Exception as exc:
            logger.error("document answer failed", exc_info=exc)
            doc_blocks = notice_blocks(f":warning: I could not search the documents. {describe_failure(exc)}")
            fallback.append("I could not search the documents.")
    if kind in ("sql", "both"):
        try:
            proposal = services.sql.propose(
                sql_text, requester=question.user, channel=question.channel, thread_ts=question.thread_ts, history=history
            )
            view = proposal_view(proposal, sql_text, question.user)
            # With "both", an abstention is noise next to a document answer; alone, it is the answer.
            if kind == "sql" or view.query_id or not doc_blocks:
                sql_blocks = proposal_blocks(view)
                fallback.append("Proposed SQL — approve to run it." if view.query_id else view.message)
        except Exception as exc:
            logger.error("SQL proposal failed", exc_info=exc)
            sql_blocks = notice_blocks(f":warning: I could not write a database query. {describe_failure(exc)}")
            fallback.append("I could not write a database query.")
    if not doc_blocks and not sql_blocks:
        doc_blocks = notice_blocks("I could not find anything about that in the documents or the database.")
        fallback.append("Nothing found.")
    # The proposal (with its buttons) always fits; a long document answer gives way.
    blocks = fit_message(doc_blocks, limit=MESSAGE_BLOCK_LIMIT - len(sql_blocks)) + sql_blocks

    # Marked before posting: a reply typed the moment the answer appears must find the mark.
    remember_thread(services, question.channel, question.thread_ts)
    client.chat_postMessage(
        channel=question.channel,
        thread_ts=question.thread_ts,
        text=escape(truncate(" ".join(fallback), 2900)),
        blocks=blocks,
        unfurl_links=False,
        unfurl_media=False,
    )
    record_activity(services, f"question ({kind})", text, channel=question.channel, user=question.user)


def answer_message_event(services: BotServices, event: dict, context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    """A mention, a thread follow-up or a DM: answer it in its thread, 👀 while working."""
    channel, ts = event["channel"], event["ts"]
    thread_ts = event.get("thread_ts") or ts
    question = Question(
        text=strip_mentions(event.get("text", "")),
        user=event.get("user", ""),
        channel=channel,
        thread_ts=thread_ts,
        team_id=context.team_id or "",
        in_thread=thread_ts != ts,
    )
    with working_on(client, channel, ts, logger):
        try:
            history = thread_history(client, channel, thread_ts, context.bot_user_id, ts) if question.in_thread else None
            answer_question(services, client, question, history=history, logger=logger)
        except Exception as exc:
            post_failure(client, channel, thread_ts, "answer that", exc, logger)
