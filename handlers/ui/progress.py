"""Progress and honesty: 👀 while working, and a specific message in the thread for every failure."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.errors import DocBotError
from handlers.ui import ids as c
from handlers.ui.format import escape, truncate


def describe_failure(exc: BaseException) -> str:
    """A human sentence for a failure, naming what failed; the exception text is escaped."""
    if isinstance(exc, SlackApiError):
        return f"Slack refused a request ({escape(str(exc.response.get('error', 'unknown error')))})."
    name = type(exc).__name__
    detail = escape(truncate(str(exc).strip() or name, 500))
    if isinstance(exc, DocBotError):  # each kind of failure says what failed; the message says why
        return f"{exc.what}: {detail}"
    return f"Something unexpected went wrong ({escape(name)}: {detail})."


def post_failure(
    client: WebClient, channel: str, thread_ts: str | None, doing: str, exc: BaseException, logger: logging.Logger
) -> None:
    """Tell the people in the thread what went wrong; never let this second failure hide the first."""
    logger.error("failed to %s", doing, exc_info=exc)
    text = f":warning: Sorry, I could not {doing}. {describe_failure(exc)}"
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
    except Exception:
        logger.exception("could not even report the failure to %s", channel)


@contextmanager
def working_on(client: WebClient, channel: str, ts: str | None, logger: logging.Logger) -> Iterator[None]:
    """👀 on the message being handled, removed when done (also after a failure)."""
    reacted = False
    if ts:
        try:
            client.reactions_add(channel=channel, timestamp=ts, name=c.EYES_REACTION)
            reacted = True
        except SlackApiError as exc:  # already_reacted, missing scope: progress is a nicety
            logger.info("could not add 👀: %s", exc.response.get("error"))
    try:
        yield
    finally:
        if reacted:
            try:
                client.reactions_remove(channel=channel, timestamp=ts, name=c.EYES_REACTION)
            except SlackApiError as exc:
                logger.info("could not remove 👀: %s", exc.response.get("error"))
