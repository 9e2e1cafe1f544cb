"""Progress and honesty: 👀 while working, and a specific message in the thread for every failure."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.errors import DocBotError
from handlers.ui import ids as c
from handlers.ui.format import escape, truncate

DECORATION_TIMEOUT_S = 5  # 👀 and friends; the answer itself uses the client's own timeout and retries


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


def decoration_client(client: WebClient) -> WebClient:
    """The same token and API, with a short timeout and no retries: a decoration is never worth waiting for."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=DECORATION_TIMEOUT_S, retry_handlers=[])


def _decoration_failed(logger: logging.Logger, what: str, exc: Exception) -> None:
    detail = exc.response.get("error") if isinstance(exc, SlackApiError) else f"{type(exc).__name__}: {exc}"
    logger.info("could not %s 👀: %s", what, detail)  # already_reacted, missing scope, a hang: progress is a nicety


@contextmanager
def working_on(client: WebClient, channel: str, ts: str | None, logger: logging.Logger) -> Iterator[None]:
    """👀 on the message being handled, removed when done (also after a failure).

    The 👀 is added on a side thread with a short timeout, so a hanging or failing reactions.add
    neither delays nor takes down the answer; the removal waits for it only briefly.
    """
    if not ts:
        yield
        return
    quick = decoration_client(client)
    added = threading.Event()

    def add() -> None:
        try:
            quick.reactions_add(channel=channel, timestamp=ts, name=c.EYES_REACTION)
            added.set()
        except Exception as exc:
            _decoration_failed(logger, "add", exc)

    adder = threading.Thread(target=add, name="add-eyes", daemon=True)
    adder.start()
    try:
        yield
    finally:
        adder.join(DECORATION_TIMEOUT_S)
        if added.is_set():
            try:
                quick.reactions_remove(channel=channel, timestamp=ts, name=c.EYES_REACTION)
            except Exception as exc:
                _decoration_failed(logger, "remove", exc)
