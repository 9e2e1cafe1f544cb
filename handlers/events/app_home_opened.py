"""The App Home tab: what the bot knows, how to use it, what happened lately.

Documents from private channels are listed only by count: their names are not everyone's to see.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from core.documents.models import counted
from handlers.ack import acknowledge
from handlers.services import BotServices
from handlers.ui.blocks import HomeContent, home_view

ACTIVITY_SHOWN = 10


def _public_channels(client: WebClient, channel_ids: set[str], logger: logging.Logger) -> set[str]:
    public = set()
    for channel in channel_ids:
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except Exception:  # unknown or inaccessible: treat as private
            logger.info("conversations.info failed for %s; treating it as private", channel)
            continue
        if not info.get("is_private") and not info.get("is_im") and not info.get("is_mpim"):
            public.add(channel)
    return public


def document_lines(services: BotServices, client: WebClient, logger: logging.Logger) -> list[str]:
    records = services.documents.list(None)
    public = _public_channels(client, {ch for r in records for ch in r.channels}, logger)
    lines, hidden = [], 0
    for record in records:
        if record.workspace_wide or public.intersection(record.channels):
            detail = counted(record.pages, "page") if record.pages else counted(record.chunks, "chunk")
            lines.append(f"{record.file_name} — {detail}")
        else:
            hidden += 1
    if hidden:
        lines.append(f"{hidden} more shared in private channels or direct messages")
    return lines


def table_lines(services: BotServices) -> list[str]:
    return [f"{t.name} ({counted(len(t.columns), 'column')})" for t in services.db.tables()]


def example_lines(services: BotServices) -> list[str]:
    return [example.question for example in services.knowledge.examples()]


def activity_lines(services: BotServices, client: WebClient, logger: logging.Logger) -> list[str]:
    """The latest activity in public channels (what happens in private ones stays there)."""
    entries = []
    for key in sorted(services.kv.keys("slack:activity:"), reverse=True)[: ACTIVITY_SHOWN * 5]:
        raw = services.kv.get(key)
        if raw:
            entries.append(json.loads(raw))
    public = _public_channels(client, {e.get("channel", "") for e in entries if e.get("channel")}, logger)
    lines = []
    for entry in entries:
        if entry.get("channel") in public:
            when = time.strftime("%b %d %H:%M", time.gmtime(entry["at"]))
            lines.append(f"{when} UTC · {entry['kind']}: {entry['text']}")
    return lines[:ACTIVITY_SHOWN]


def feedback_lines(services: BotServices, client: WebClient, logger: logging.Logger) -> list[str]:
    """Totals, then the latest 👎 questions asked in public channels (private ones stay there)."""
    ratings = services.feedback.all()
    if not ratings:
        return []
    up = sum(1 for f in ratings if f.rating == "up")
    lines = [f"👍 {up:,} · 👎 {len(ratings) - up:,} (export: python -m bot feedback export)"]
    down = [f for f in reversed(ratings) if f.rating == "down"][: ACTIVITY_SHOWN * 5]
    public = _public_channels(client, {f.answer.channel for f in down if f.answer.channel}, logger)
    lines += [f"👎 {f.answer.question}" for f in down if f.answer.channel in public][: ACTIVITY_SHOWN - 1]
    return lines


def usage_lines(services: BotServices) -> list[str]:
    """The limits in force, then each recent day with questions: asked, refused for their rate, LLM tokens."""
    policy = services.limits.policy
    limits = [
        f"{_count(n, 'question')} a minute per {who}"
        for n, who in ((policy.user_per_min, "person"), (policy.channel_per_min, "channel"))
        if n
    ]
    limits.append(f"{policy.daily_tokens:,} LLM tokens a day" if policy.daily_tokens else "no daily LLM token budget")
    lines = ["Limits: " + "; ".join(limits)]
    for day in services.limits.usage():
        if day.questions or day.refused or day.tokens:
            offline = f", {day.offline:,} without the model (budget spent)" if day.offline else ""
            lines.append(
                f"{day.day}: {_count(day.questions, 'question')}, {day.refused:,} refused for their rate, "
                f"{day.tokens:,} LLM tokens{offline}"
            )
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def build_home(services: BotServices, client: WebClient, logger: logging.Logger) -> HomeContent:
    """Each part loads on its own: one failing source is named, the rest still shows."""
    content = HomeContent(documents=[], tables=[], examples=[], activity=[], problems=[])
    parts: list[tuple[str, str, Callable[[], list[str]]]] = [
        ("documents", "the document list", lambda: document_lines(services, client, logger)),
        ("tables", "the database tables", lambda: table_lines(services)),
        ("examples", "the saved examples", lambda: example_lines(services)),
        ("activity", "recent activity", lambda: activity_lines(services, client, logger)),
        ("feedback", "the answer ratings", lambda: feedback_lines(services, client, logger)),
        ("usage", "the usage per day", lambda: usage_lines(services)),
    ]
    for attribute, what, load in parts:
        try:
            setattr(content, attribute, load())
        except Exception as exc:
            logger.warning("App Home: could not load %s", what, exc_info=True)
            content.problems.append(f"could not load {what} ({type(exc).__name__}: {exc})")
    return content


def register(app: App, services: BotServices) -> None:
    def publish_home(event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
        if event.get("tab", "home") != "home":
            return
        view = home_view(build_home(services, client, logger), context.bot_user_id)
        client.views_publish(user_id=event["user"], view=view)

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
