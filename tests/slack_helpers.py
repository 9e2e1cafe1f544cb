"""Reading the bot's replies out of the emulator, for the end-to-end tests."""

from __future__ import annotations

import json

from bot.emulator.emulator import SlackEmulator

WAIT_S = 60  # generous: the first answer loads the embedding model


def replies(emu: SlackEmulator, channel: str, thread_ts: str, n: int = 1) -> list[dict]:
    """The bot's replies in a thread once there are at least n of them."""
    return emu.wait_for(
        lambda: (lambda found: found if len(found) >= n else None)(
            [m for m in emu.bot_messages(channel, thread_ts) if m.get("ts") != thread_ts]
        ),
        WAIT_S,
        f"expected {n} bot replies in {channel}/{thread_ts}",
    )


def all_text(message: dict) -> str:
    return json.dumps(message.get("blocks") or []) + message.get("text", "")


def mention_envelope(emu: SlackEmulator, channel: str, user: str, ts: str, text: str) -> dict:
    """The signed-delivery envelope of an app_mention, for tests that hand it to an entry point themselves."""
    return emu.event_envelope(
        {"type": "app_mention", "user": user, "ts": ts, "channel": channel, "event_ts": ts, "text": text}
    )
