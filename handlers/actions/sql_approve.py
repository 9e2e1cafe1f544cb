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
    show_result_blocks,
)
from handlers.ui.format import escape
from handlers.ui.progress import describe_failure, post_failure, working_on

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


def post_result(
    services: BotServices,
    client: WebClient,
    click: Click,
    query_id: str,
    summary_line: str,
    result: QueryResult,
    logger: logging.Logger,
) -> bool:
    """The stored result as a table (then CSV and chart) in the thread; False when Slack would not take it.

    The query already ran: a failed post says exactly that and offers to post the stored rows
    again, never that the query could not run.
    """
    from core.sql import render

    table = render.result_table(result, max_rows=TABLE_DATA_ROWS, max_cols=TABLE_MAX_COLS)
    try:
        client.chat_postMessage(
            channel=click.channel,
            thread_ts=click.thread_ts,
            text=f"Result: {escape(summary_line)}",
            blocks=result_blocks(table, summary_line) + save_example_blocks(query_id),
        )
    except Exception as exc:  # retried already (5xx, timeouts): say what is true, keep the rows
        logger.error("the result of query %s could not be posted", query_id, exc_info=exc)
        text = (
            f":warning: The query ran ({escape(summary_line)}), but posting its result failed: "
            f"{describe_failure(exc)} The result is kept: *Show result again* (or Approve) posts it."
        )
        try:
            client.chat_postMessage(
                channel=click.channel, thread_ts=click.thread_ts, text=text, blocks=show_result_blocks(text, query_id)
            )
        except Exception:
            logger.exception("could not even say that the result of query %s was not posted", query_id)
        return False
    try:
        services.sql.result_shown(query_id)
    except Exception:  # the store is down: a later Approve may post it once more, which is harmless
        logger.warning("could not mark the result of query %s as shown", query_id, exc_info=True)
    try:
        query = services.sql.get(query_id)
        upload_result_files(client, click, result, logger, title=query.question if query else None)
    except Exception as exc:
        post_failure(client, click.channel, click.thread_ts, "attach the CSV and chart", exc, logger)
    return True


def run_approved_query(services: BotServices, click: Click, client: WebClient, logger: logging.Logger) -> None:
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
        # The proposal keeps its buttons until the result is out: Approve then posts the stored rows.
        if not post_result(services, client, click, click.query_id, execution.message, execution.result, logger):
            return
        mark_proposal(client, click, "Approved", logger, execution.message)
        if not execution.replayed:
            question = execution.query.question if execution.query else "query"
            try:
                record_activity(
                    services, "query", f"{question} — {execution.message}", channel=click.channel, user=click.user
                )
            except Exception:  # the activity log is for App Home; the answer is already out
                logger.warning("could not record the query in the activity log", exc_info=True)


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
