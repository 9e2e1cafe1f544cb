"""The assistant's Reply as one Slack message: Block Kit blocks and the notification text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.assistant import DocumentsPart, Reply, ReplyKind, SourceFailure, SqlPart
from core.sql.knowledge import example_id
from handlers.ui.blocks import (
    ProposalView,
    answer_blocks,
    fit_message,
    notice_blocks,
    proposal_blocks,
    similar_question_blocks,
)
from handlers.ui.feedback import feedback_blocks
from handlers.ui.format import MESSAGE_BLOCK_LIMIT, escape
from handlers.ui.hints import DM_SCOPE_HINT, nothing_found_text
from handlers.ui.progress import describe_failure


@dataclass
class SlackMessage:
    blocks: list[dict[str, Any]]
    fallback: str  # the notification and screen-reader text


def reply_message(reply: Reply, requester: str, *, feedback_id: str | None = None) -> SlackMessage:
    """What to post for a reply that is not silent; with `feedback_id`, 👍 / 👎 under the documents answer."""
    documents = _documents_message(reply.documents, feedback_id) if reply.documents else None
    sql = sql_message(reply.sql, requester) if reply.sql else None
    hint = notice_blocks(DM_SCOPE_HINT) if reply.scope_hint else []
    # Above the reply: how it was made (without the language model once the day's budget is spent).
    note = notice_blocks(f":hourglass_flowing_sand: _{escape(reply.notice)}_") if reply.notice else []
    if reply.kind is ReplyKind.NOTHING_FOUND:
        only = documents or sql
        if only is None:  # both sources asked: one neutral reply rather than two "not found"s
            text = nothing_found_text(list(reply.known_tables), reply.missing)
            return SlackMessage(note + notice_blocks(text) + hint, text)
        return SlackMessage(note + only.blocks + hint, only.fallback)
    doc_blocks = documents.blocks if documents else []
    sql_blocks = sql.blocks if sql else []
    # The proposal (with its buttons) always fits; a long document answer gives way.
    blocks = note + fit_message(doc_blocks, limit=MESSAGE_BLOCK_LIMIT - len(sql_blocks) - len(note)) + sql_blocks
    return SlackMessage(blocks, " ".join(part.fallback for part in (documents, sql) if part is not None))


def _documents_message(part: DocumentsPart, feedback_id: str | None) -> SlackMessage:
    if isinstance(part.outcome, SourceFailure):
        text = f":warning: I could not search the documents. {describe_failure(part.outcome.error)}"
        return SlackMessage(notice_blocks(text), "I could not search the documents.")
    rating = feedback_blocks(feedback_id) if feedback_id and part.outcome.mode != "none" else []
    blocks = fit_message(answer_blocks(part.outcome), limit=MESSAGE_BLOCK_LIMIT - len(rating)) + rating
    return SlackMessage(blocks, part.outcome.text)


def sql_message(part: SqlPart, requester: str) -> SlackMessage:
    if isinstance(part.outcome, SourceFailure):
        text = f":warning: I could not write a database query. {describe_failure(part.outcome.error)}"
        return SlackMessage(notice_blocks(text), "I could not write a database query.")
    proposal = part.outcome
    pending = proposal.pending
    view = ProposalView(
        question=part.question,
        sql=pending.sql if pending is not None else proposal.sql,
        tables=list(proposal.tables),
        message=proposal.message,
        query_id=pending.id if pending is not None else None,  # buttons only when a query awaits approval
        requester=requester,
    )
    fallback = "Proposed SQL — approve to run it." if view.query_id else view.message
    blocks = proposal_blocks(view)
    if proposal.kind == "abstain" and proposal.similar:
        # A near miss: the closest saved questions, one click from their approved SQL.
        blocks += similar_question_blocks([(question, example_id(question)) for question in proposal.similar])
    return SlackMessage(blocks, fallback)
