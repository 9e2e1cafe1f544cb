"""Approve on a SQL proposal: run it once, read-only, and reply with a table, a CSV and a chart."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.actions.sql_clicks import Click, mark_proposal, our_click, tell_user
from handlers.services import BotServices
from handlers.state.thread_memory import record_activity
from handlers.ui import ids as c
from handlers.ui.blocks import (
    TABLE_DATA_ROWS,
    TABLE_MAX_COLS,
    result_blocks,
    save_example_blocks,
)
from handlers.ui.format import escape
from handlers.ui.progress import post_failure, working_on

if TYPE_CHECKING:
    from core.sql.models import QueryResult

def upload_result_files(
    client: WebClient, click: Click, result: QueryResult, logger: logging.Logger, title: str | None = None
) -> None:
    """The full result as CSV, and a chart titled with the question when the shape suits one (files upload v2)."""
    from core.sql import render  # matplotlib and friends load on first use

    uploads = [{"content": render.to_csv(result), "filename": "result.csv", "title": "Query result (CSV)"}]
    try:
        chart = render.chart_png(result, title=title)
    except Exception:  # a chart is a bonus; the table and CSV already answer
        logger.warning("chart rendering failed", exc_info=True)
        chart = None
    if chart:
        uploads.append({"content": chart, "filename": "chart.png", "title": "Chart"})
    client.files_upload_v2(file_uploads=uploads, channel=click.channel, thread_ts=click.thread_ts)


def run_approved_query(services: BotServices, click: Click, client: WebClient, logger: logging.Logger) -> None:
    from core.sql import render

    with working_on(client, click.channel, click.message_ts, logger):
        execution = services.sql.approve(click.query_id, user=click.user)
        if execution.status == "refused":  # not allowed, already run, expired: only the clicker needs to know
            tell_user(client, click.channel, click.user, click.thread_ts, escape(execution.message), logger)
            return
        if execution.status == "failed" or execution.result is None:
            # The buttons stay: the requester can edit the SQL or approve again once the cause is
            # fixed. Core's message already says which of the two helps.
            client.chat_postMessage(
                channel=click.channel,
                thread_ts=click.thread_ts,
                text=f":warning: The query failed: {escape(execution.message)}",
            )
            return
        result = execution.result
        mark_proposal(client, click, "Approved", logger, execution.message)
        table = render.result_table(result, max_rows=TABLE_DATA_ROWS, max_cols=TABLE_MAX_COLS)
        client.chat_postMessage(
            channel=click.channel,
            thread_ts=click.thread_ts,
            text=f"Result: {escape(execution.message)}",
            blocks=result_blocks(table, execution.message) + save_example_blocks(click.query_id),
        )
        question = execution.query.question if execution.query else "query"
        record_activity(services, "query", f"{question} — {execution.message}", channel=click.channel, user=click.user)
        try:
            upload_result_files(client, click, result, logger, title=question)
        except Exception as exc:
            post_failure(client, click.channel, click.thread_ts, "attach the CSV and chart", exc, logger)


def register(app: App, services: BotServices) -> None:
    def run_approval(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        click = our_click(body, client, logger)
        if click is None:
            return
        try:
            run_approved_query(services, click, client, logger)
        except Exception as exc:
            post_failure(client, click.channel, click.thread_ts, "run the query", exc, logger)

    app.action(c.SQL_APPROVE_ACTION_ID)(ack=acknowledge, lazy=[run_approval])
