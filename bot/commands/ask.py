"""`python -m bot ask "QUESTION"`: the same assistant as Slack (routed to the documents, the
database or both), its reply printed as text or as one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.commands import ServicesFactory, Subparsers
from bot.commands.sql import CLI_USER
from core.answers.base import Answer

if TYPE_CHECKING:
    from core.assistant import Reply


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    ask = sub.add_parser(
        "ask", help="answer a question like Slack does: from the documents (with citations), the database, or both"
    )
    ask.add_argument("question")
    ask.add_argument("--channel", help="answer as if asked in this channel (its scope)")
    ask.add_argument("--user", default=CLI_USER, help="requester of a SQL proposal (default: cli)")
    ask.add_argument("--docs-only", action="store_true", help="answer from the documents only, without routing")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.set_defaults(func=cmd_ask)


def cmd_ask(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from core.assistant import Scope

    if not args.question.strip():  # as the API and Slack refuse it, before anything is searched
        print(
            'error: the question is empty; ask it in words, e.g. python -m bot ask "what is the refund policy?"',
            file=sys.stderr,
        )
        return 2
    assistant = services_factory().assistant
    scope = Scope(user=args.user, channel=args.channel)
    reply = assistant.ask_documents(args.question, scope) if args.docs_only else assistant.ask(args.question, scope)
    if args.json:
        print(json.dumps(reply_json(reply), ensure_ascii=False))
    else:
        print("\n".join(reply_lines(reply)))
    return 0


def reply_json(reply: Reply) -> dict[str, Any]:
    """The typed reply, plus the documents answer's text, mode and citations at the top level."""
    answer = reply.documents.outcome if reply.documents else None
    documents = answer if isinstance(answer, Answer) else None
    return {
        "answer": documents.text if documents else main_text(reply),
        "mode": documents.mode if documents else None,
        "citations": [c.to_dict() for c in documents.citations] if documents else [],
        **reply.to_dict(),
    }


def main_text(reply: Reply) -> str:
    """What the reply says, in a sentence, when it has no documents answer."""

    if reply.documents is not None:  # a documents answer would be the main text: this is why there is none
        return (
            reply.documents.outcome.text
            if isinstance(reply.documents.outcome, Answer)
            else reply.documents.outcome.message
        )
    if reply.sql is not None:
        return reply.sql.outcome.message
    return _nothing_found(reply)


def reply_lines(reply: Reply) -> list[str]:
    from core.assistant import SourceFailure
    from handlers.ui.format import pages_label

    lines: list[str] = []
    if reply.documents is not None:
        outcome = reply.documents.outcome
        if isinstance(outcome, SourceFailure):
            lines.append(f"Could not search the documents. {outcome.message}")
        else:
            lines.append(outcome.text)
            for c in outcome.citations:
                pages = f", {pages_label(c.pages)}" if c.pages else ""
                section = f" — {c.section}" if c.section else ""
                lines.append(f"[{c.number}] {c.file_name}{pages}{section}")
    if reply.sql is not None:
        if lines:
            lines.append("")
        proposal = reply.sql.outcome
        if isinstance(proposal, SourceFailure):
            lines.append(f"Could not write a database query. {proposal.message}")
        elif proposal.pending is not None:
            lines.append(proposal.pending.sql)
            lines.append(f"-- pending id: {proposal.pending.id}  (run it: python -m bot approve {proposal.pending.id})")
            lines.extend(f"-- {line}" for line in proposal.message.splitlines())
        else:
            if proposal.sql:
                lines.append(proposal.sql)
            lines.append(proposal.message)
    if not lines:
        lines.append(_nothing_found(reply))
    # Made without the language model (the day's token budget is spent): said first.
    return ([f"({reply.notice})"] if reply.notice else []) + lines


def _nothing_found(reply: Reply) -> str:
    from core.assistant import NOTHING_FOUND, no_data_text

    if reply.missing:  # the honest limit names what no source knows
        return no_data_text(reply.missing, list(reply.known_tables))
    return NOTHING_FOUND + _tables(reply)


def _tables(reply: Reply) -> str:
    return f" Tables I know: {', '.join(reply.known_tables)}." if reply.known_tables else ""
