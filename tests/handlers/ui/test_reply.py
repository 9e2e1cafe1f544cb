"""A reply made without the language model says so above everything else, buttons kept."""

from __future__ import annotations

import json

from core.answers.base import Answer
from core.assistant import DocumentsPart, Reply, ReplyKind
from core.routing.base import Route
from handlers.ui.reply import reply_message

NOTICE = "Today's language-model budget is used up, so this reply was made without the model."


def test_the_budget_notice_comes_first_and_the_answer_follows() -> None:
    answer = Answer("Refunds are paid within 5 business days.", [], "extractive", [])
    reply = Reply(
        ReplyKind.DOCUMENTS, Route("docs", 1.0, "test"), documents=DocumentsPart("refunds?", answer), notice=NOTICE
    )
    message = reply_message(reply, "U1")
    assert "budget is used up" in json.dumps(message.blocks[0])
    assert "5 business days" in json.dumps(message.blocks[1:])
    plain = reply_message(
        Reply(ReplyKind.DOCUMENTS, Route("docs", 1.0, "test"), documents=DocumentsPart("refunds?", answer)), "U1"
    )
    assert "budget" not in json.dumps(plain.blocks) and len(plain.blocks) == len(message.blocks) - 1
