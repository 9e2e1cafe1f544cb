"""What the bot remembers between events: the threads it answered, and recent activity for App Home."""

from __future__ import annotations

import json
import logging
import time
from typing import get_args

from core.routing.base import RouteKind
from handlers.services import BotServices
from handlers.ui.format import truncate

THREAD_TTL_S = 14 * 24 * 3600  # how long a thread the bot answered keeps answering without a mention
ACTIVITY_TTL_S = 7 * 24 * 3600


def thread_key(channel: str, thread_ts: str) -> str:
    return f"slack:thread:{channel}:{thread_ts}"


def remember_thread(services: BotServices, channel: str, thread_ts: str, route: str | None = None) -> None:
    """Mark a thread the bot answered; route: where its last answer came from ("docs", "sql", "both"),
    so an elliptical follow-up ("and in 2024?") goes to the same source. A store that is down costs
    the mark (follow-ups then need a mention), never the answer."""
    try:
        services.kv.set(thread_key(channel, thread_ts), route or "1", ttl_s=THREAD_TTL_S)
    except Exception:
        logging.getLogger(__name__).warning("could not mark the thread as answered", exc_info=True)


def thread_route(services: BotServices, channel: str, thread_ts: str) -> RouteKind | None:
    """The route of the thread's last answer; None when unknown (marks from older releases hold "1",
    or the store is down: the follow-up is then routed on its own words)."""
    try:
        value = services.kv.get(thread_key(channel, thread_ts))
    except Exception:
        logging.getLogger(__name__).warning("thread marks unavailable; routing the follow-up afresh", exc_info=True)
        return None
    return next((kind for kind in get_args(RouteKind) if kind == value), None)


def is_bot_thread(services: BotServices, channel: str, thread_ts: str) -> bool:
    """Read before the ack (a matcher): a store that does not answer quickly means "no", and the bot
    stays quiet in that thread rather than keep Slack waiting."""
    store = getattr(services, "ack_kv", None) or services.kv
    try:
        return store.get(thread_key(channel, thread_ts)) is not None
    except Exception:
        logging.getLogger(__name__).warning(
            "thread marks unavailable; not answering an unaddressed follow-up", exc_info=True
        )
        return False


def record_activity(services: BotServices, kind: str, text: str, *, channel: str, user: str = "") -> None:
    """A short line for the App Home's recent activity (shown only if `channel` is public)."""
    entry = json.dumps({"at": time.time(), "kind": kind, "text": truncate(text, 150), "user": user, "channel": channel})
    try:
        services.kv.set(f"slack:activity:{time.time_ns():020d}", entry, ttl_s=ACTIVITY_TTL_S)
    except Exception:  # activity is a convenience; never fail an answer over it
        logging.getLogger(__name__).warning("could not record activity", exc_info=True)
