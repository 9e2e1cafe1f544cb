"""Slack listeners, one module per listener; `register_listeners` wires them all into an App."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

    from handlers.services import BotServices


def register_listeners(app: App, services: BotServices) -> None:
    from handlers import (
        app_home_opened,
        app_mention,
        ask_command,
        file_shared,
        message,
        sql_approve,
        sql_edit,
        sql_reject,
        sql_save_example,
    )

    for module in (app_mention, message, file_shared, sql_approve, sql_edit, sql_reject, sql_save_example, app_home_opened, ask_command):
        module.register(app, services)
