"""Slack presentation: listeners grouped by surface (events, actions, commands), Block Kit builders
and formatting (ui), Slack-side state (state). `register_listeners` wires them all into an App."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

    from handlers.services import BotServices


def register_listeners(app: App, services: BotServices) -> None:
    from handlers.actions import (
        answer_feedback,
        sql_approve,
        sql_edit,
        sql_reject,
        sql_save_example,
        sql_saved_question,
        sql_show_result,
    )
    from handlers.commands import ask
    from handlers.events import app_home_opened, app_mention, file_shared, message

    listeners = (
        app_mention,
        message,
        file_shared,
        app_home_opened,
        sql_approve,
        sql_edit,
        sql_reject,
        sql_save_example,
        sql_saved_question,
        answer_feedback,
        sql_show_result,
        ask,
    )
    for module in listeners:
        module.register(app, services)
