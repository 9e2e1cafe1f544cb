"""What the SQL buttons share: reading a click, telling one person, updating the proposal."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from handlers.ui.blocks import (
    decide_outcome_text,
    decided_from_message,
    decode_query_ref,
)


@dataclass
class Click:
    query_id: str
    user: str
    channel: str
    message_ts: str
    thread_ts: str
    message_blocks: list[dict[str, Any]]


def read_click(body: dict[str, Any]) -> Click:
    """The clicked proposal; ValueError when the button value is not one of ours."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    message_ts = message.get("ts") or (body.get("container") or {}).get("message_ts", "")
    return Click(
        query_id=decode_query_ref((body.get("actions") or [{}])[0].get("value")),
        user=(body.get("user") or {}).get("id", ""),
        channel=channel,
        message_ts=message_ts,
        thread_ts=message.get("thread_ts") or message_ts,
        message_blocks=list(message.get("blocks") or []),
    )


def our_click(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> Click | None:
    """The click, or None (after telling the clicker) when the button value is not one we wrote."""
    try:
        return read_click(body)
    except ValueError as exc:
        tell_foreign_click(body, client, logger, exc)
        return None


def tell_foreign_click(body: dict[str, Any], client: WebClient, logger: logging.Logger, error: ValueError) -> None:
    """A button whose value we did not write (an old release, a forged payload): say so, run nothing."""
    logger.warning("click with a foreign button value: %s", error)
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    user = (body.get("user") or {}).get("id")
    if channel and user:
        tell_user(client, channel, user, None, "I do not recognise this button; ask the question again.", logger)


def tell_user(
    client: WebClient, channel: str, user: str, thread_ts: str | None, text: str, logger: logging.Logger
) -> None:
    """A message only the clicking person sees; in the thread if ephemeral messages fail."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)
    except Exception:
        logger.warning("ephemeral message failed; posting in the thread", exc_info=True)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=f"<@{user}> {text}")


def mark_proposal(client: WebClient, click: Click, verb: str, logger: logging.Logger, detail: str = "") -> None:
    """Replace the proposal's buttons with who did what, when (e.g. "Approved by @ann on …")."""
    outcome = decide_outcome_text(verb, click.user, time.time(), detail)
    try:
        client.chat_update(
            channel=click.channel,
            ts=click.message_ts,
            text=outcome,
            blocks=decided_from_message(click.message_blocks, outcome),
        )
    except Exception:  # the thread reply still says what happened
        logger.warning("could not update the proposal message", exc_info=True)
