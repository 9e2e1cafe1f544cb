"""👍 / 👎 on a document answer: recorded once per person, the clicker is thanked privately."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.actions.sql_clicks import tell_foreign_click, tell_user
from handlers.services import BotServices
from handlers.ui import ids as c
from handlers.ui.feedback import ALREADY, THANKS, decode_answer_ref
from handlers.ui.format import escape

if TYPE_CHECKING:
    from core.feedback.base import Rating

_RATING: dict[str, Rating] = {c.ANSWER_FEEDBACK_UP_ACTION_ID: "up", c.ANSWER_FEEDBACK_DOWN_ACTION_ID: "down"}


def register(app: App, services: BotServices) -> None:
    def record_rating(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        from core.feedback.base import FeedbackError

        action = (body.get("actions") or [{}])[0]
        try:
            answer_id = decode_answer_ref(action.get("value"))
        except ValueError as exc:
            tell_foreign_click(body, client, logger, exc)
            return
        user = (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts")
        rating = _RATING[action.get("action_id", "")]
        try:
            recorded = services.feedback.rate(answer_id, user, rating)
        except FeedbackError as exc:
            tell_user(client, channel, user, thread_ts, f"Could not record that: {escape(str(exc))}", logger)
            return
        except Exception:
            logger.exception("recording feedback failed")
            tell_user(
                client, channel, user, thread_ts, "Sorry, your rating could not be saved; try again later.", logger
            )
            return
        tell_user(client, channel, user, thread_ts, THANKS[rating] if recorded else ALREADY, logger)

    for action_id in _RATING:
        app.action(action_id)(ack=acknowledge, lazy=[record_rating])
