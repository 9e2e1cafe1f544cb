"""Answering one question in a thread: route it, answer from documents and/or propose SQL, reply.

Shared by mentions, thread follow-ups, direct messages and /ask, so they all behave the same.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_bolt import BoltContext
from slack_sdk import WebClient

from core.routing.requests import asks_something
from handlers.events.file_ingest import ingest_shared_file
from handlers.services import BotServices
from handlers.state.answers import remember_answer
from handlers.state.dedup import wait_for_file
from handlers.state.thread_memory import record_activity, remember_thread
from handlers.ui.blocks import (
    ProposalView,
    answer_blocks,
    fit_message,
    notice_blocks,
    proposal_blocks,
)
from handlers.ui.feedback import feedback_blocks
from handlers.ui.format import MESSAGE_BLOCK_LIMIT, escape, truncate
from handlers.ui.hints import DM_SCOPE_HINT, EMPTY_QUESTION, nothing_found_text
from handlers.ui.progress import describe_failure, post_failure, working_on

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


@dataclass
class ReplyPart:
    """One source's contribution to a reply."""

    blocks: list[dict]
    fallback: str
    empty: bool = False  # nothing relevant (documents found nothing, SQL abstained): not a failure
    runnable: bool = False  # a SQL proposal awaiting approval


def strip_mentions(text: str) -> str:
    return " ".join(_MENTION.sub(" ", text or "").split())


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


def docs_part(services: BotServices, question: Question, text: str, history: list[dict] | None, logger: logging.Logger) -> ReplyPart:
    try:
        answer = services.answerer.answer(text, channel=question.channel, history=history)
    except Exception as exc:
        logger.error("document answer failed", exc_info=exc)
        return ReplyPart(notice_blocks(f":warning: I could not search the documents. {describe_failure(exc)}"),
                         "I could not search the documents.")
    if answer.mode == "none":
        return ReplyPart(answer_blocks(answer), answer.text, empty=True)
    answer_id = remember_answer(services, text, answer, channel=question.channel, user=question.user, logger=logger)
    rating = feedback_blocks(answer_id) if answer_id else []
    return ReplyPart(fit_message(answer_blocks(answer), limit=MESSAGE_BLOCK_LIMIT - len(rating)) + rating, answer.text)


def sql_part(services: BotServices, question: Question, text: str, history: list[dict] | None, logger: logging.Logger) -> ReplyPart:
    try:
        proposal = services.sql.propose(
            text, requester=question.user, channel=question.channel, thread_ts=question.thread_ts, history=history
        )
    except Exception as exc:
        logger.error("SQL proposal failed", exc_info=exc)
        return ReplyPart(notice_blocks(f":warning: I could not write a database query. {describe_failure(exc)}"),
                         "I could not write a database query.")
    view = proposal_view(proposal, text, question.user)
    fallback = "Proposed SQL — approve to run it." if view.query_id else view.message
    return ReplyPart(proposal_blocks(view), fallback, empty=proposal.kind == "abstain", runnable=bool(view.query_id))


def known_tables(services: BotServices, logger: logging.Logger) -> list[str]:
    try:
        return [table.name for table in services.db.tables()]
    except Exception:  # a hint, not the answer: leave the tables out
        logger.warning("could not list the database tables for a hint", exc_info=True)
        return []


def compose_reply(services: BotServices, question: Question, kind: str, docs: ReplyPart | None, sql: ReplyPart | None,
                  logger: logging.Logger) -> ReplyPart | None:
    """The reply's parts, or None when a follow-up found nothing and the bot stays quiet."""
    attempted = [part for part in (docs, sql) if part is not None]
    if all(part.empty for part in attempted):
        if not question.addressed:
            return None
        hint = notice_blocks(DM_SCOPE_HINT) if question.direct and docs is not None else []
        if kind == "both":  # one neutral reply rather than two "not found"s
            text = nothing_found_text(known_tables(services, logger))
            return ReplyPart(notice_blocks(text) + hint, text)
        only = docs or sql
        return ReplyPart(only.blocks + hint, only.fallback)
    show_docs = docs is not None and not docs.empty
    # Next to a document answer, a SQL clarification is noise; a proposal to approve is not.
    show_sql = sql is not None and not sql.empty and (sql.runnable or not show_docs)
    doc_blocks = docs.blocks if show_docs else []
    sql_blocks = sql.blocks if show_sql else []
    # The proposal (with its buttons) always fits; a long document answer gives way.
    blocks = fit_message(doc_blocks, limit=MESSAGE_BLOCK_LIMIT - len(sql_blocks)) + sql_blocks
    fallback = [part.fallback for part, shown in ((docs, show_docs), (sql, show_sql)) if shown]
    return ReplyPart(blocks, " ".join(fallback))


def answer_question(services: BotServices, client: WebClient, question: Question, *, history: list[dict] | None, logger: logging.Logger) -> None:
    """Route, answer, and post one threaded reply; every failing part is said in the reply."""
    text = question.text
    if not text:
        client.chat_postMessage(channel=question.channel, thread_ts=question.thread_ts, text=EMPTY_QUESTION)
        return
    parts: dict[str, str] = {}
    try:
        route = services.router.route(text, question.channel)
        kind, parts = route.kind, route.parts
    except Exception:  # routing is a guess; when it cannot guess, try both
        logger.warning("routing failed; answering from both sources", exc_info=True)
        kind = "both"
    # A two-part question sends each part to its own source.
    docs = docs_part(services, question, parts.get("docs", text), history, logger) if kind in ("docs", "both") else None
    sql = sql_part(services, question, parts.get("sql", text), history, logger) if kind in ("sql", "both") else None
    reply = compose_reply(services, question, kind, docs, sql, logger)
    if reply is None:
        logger.info("follow-up in %s/%s found nothing relevant; staying quiet", question.channel, question.thread_ts)
        return

    # Marked before posting: a reply typed the moment the answer appears must find the mark.
    remember_thread(services, question.channel, question.thread_ts)
    client.chat_postMessage(
        channel=question.channel,
        thread_ts=question.thread_ts,
        text=escape(truncate(reply.fallback, 2900)),
        blocks=reply.blocks,
        unfurl_links=False,
        unfurl_media=False,
    )
    record_activity(services, f"question ({kind})", text, channel=question.channel, user=question.user)


def ingest_event_files(services: BotServices, client: WebClient, event: dict, team_id: str, logger: logging.Logger) -> None:
    """Files sent with the question are indexed before it is answered: it may well be about them."""
    for file in event.get("files") or []:
        ingest_shared_file(services, client, logger, file_id=file["id"], channel=event["channel"], team_id=team_id,
                           file=file, share_ts=event["ts"])
        # The file_share message or file_shared event may have claimed it first: wait for that one.
        if not wait_for_file(services.kv, event["channel"], file["id"]):
            logger.warning("file %s is still being indexed; answering without waiting longer", file["id"])


def answer_message_event(services: BotServices, event: dict, context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
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
            history = thread_history(client, channel, thread_ts, context.bot_user_id, ts) if question.in_thread else None
            answer_question(services, client, question, history=history, logger=logger)
        except Exception as exc:
            post_failure(client, channel, thread_ts, "answer that", exc, logger)
