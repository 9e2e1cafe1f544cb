"""@bot <question> in a channel: a threaded answer, a SQL proposal, or both."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.conversation import Question, answer_question, strip_mentions, thread_history
from handlers.progress import post_failure, working_on
from handlers.services import BotServices


def answer_mention(services: BotServices, event: dict, context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
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


def register(app: App, services: BotServices) -> None:
    def answer_mention_lazily(event: dict, context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
        answer_mention(services, event, context, client, logger)

    app.event("app_mention")(ack=acknowledge, lazy=[answer_mention_lazily])
