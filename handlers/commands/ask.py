"""/ask <question>: the same answer as a mention, in a thread under the question."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.conversation import Question, answer_question
from handlers.services import BotServices
from handlers.ui import ids as c
from handlers.ui.format import escape, truncate
from handlers.ui.hints import ASK_USAGE
from handlers.ui.progress import post_failure


def acknowledge_ask(ack: Ack, command: dict[str, Any]) -> None:
    if (command.get("text") or "").strip():
        ack()
    else:
        ack(text=ASK_USAGE)


def answer_ask(
    services: BotServices,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: logging.Logger,
) -> None:
    text = (command.get("text") or "").strip()
    if not text:
        return
    channel, user = command["channel_id"], command["user_id"]
    try:
        root = client.chat_postMessage(channel=channel, text=f"<@{user}> asked: {escape(truncate(text, 2900))}")
    except SlackApiError as exc:
        respond(
            f"I cannot post in this channel ({exc.response.get('error')}). "
            "Invite me to it, or send me a direct message.",
            response_type="ephemeral",
        )
        return
    question = Question(
        text=text,
        user=user,
        channel=channel,
        thread_ts=root["ts"],
        team_id=context.team_id or "",
        direct=command.get("channel_name") == "directmessage",
    )
    try:
        answer_question(services, client, question, history=None, logger=logger)
    except Exception as exc:
        post_failure(client, channel, root["ts"], "answer that", exc, logger)


def register(app: App, services: BotServices) -> None:
    def answer_ask_lazily(
        command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond, logger: logging.Logger
    ) -> None:
        answer_ask(services, command, context, client, respond, logger)

    app.command(c.ASK_COMMAND)(ack=acknowledge_ask, lazy=[answer_ask_lazily])
