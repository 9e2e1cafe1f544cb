"""What the demo workspace starts with: a welcome note and the sample documents, shared as a person would."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bot.emulator import SlackEmulator

if TYPE_CHECKING:
    from core.documents.service import DocumentService

log = logging.getLogger(__name__)
SAMPLES = Path(__file__).with_name("samples")
SEED_TIMEOUT_S = 120.0  # the first indexing loads the embedding model
WELCOME = (
    "*Welcome to the demo workspace.* {bot} is in every channel.\n"
    "• Ask about the shared documents: `@{bot} how long do customers have to return an item?`\n"
    "• Ask the sample shop database: `@{bot} what is the revenue per month?` — then *Approve* the SQL\n"
    "• Share a PDF with the 📎 button (no PDF at hand? download <{pdf}|this sample>), then ask about it\n"
    "• Replies in a thread the bot answered need no mention; "
    "direct messages work too (the samples are workspace-wide)\n"
    "• Switch person in the top-left: {approvers} may approve anyone's SQL; `/ask` works too"
)


def sample_files() -> list[Path]:
    return [path for path in sorted(SAMPLES.iterdir()) if path.is_file()]


def welcome(emulator: SlackEmulator, approvers: Iterable[str], channel: str = "general") -> None:
    """A Slackbot note at the top of the channel (not delivered to the bot)."""
    names = sorted(f"<@{user_id}>" for user_id in approvers) or ["only the requester"]
    emulator.slackbot_message(
        channel, WELCOME.format(bot=emulator.ws.bot_name, pdf=emulator.sample_pdf_url, approvers=", ".join(names))
    )


def seed_documents(emulator: SlackEmulator, channel: str = "general", user: str = "alice") -> list[str]:
    """Shares every sample file into the channel, as a person would; returns the file ids."""
    return [emulator.share_file(channel, user, path.name, path.read_bytes()).file_id for path in sample_files()]


def share_samples_workspace_wide(
    emulator: SlackEmulator, documents: DocumentService, channel: str = "general", timeout_s: float = SEED_TIMEOUT_S
) -> None:
    """Once the bot has fully indexed the shared samples, makes them answer everywhere (direct messages too).

    A document shared in a channel answers only there; in Slack an admin would run
    `python -m bot ingest --workspace-wide`, which links the already-indexed bytes (nothing is re-embedded).
    """
    deadline = time.monotonic() + timeout_s
    try:
        for share in [m for m in emulator.messages(channel) if m.get("subtype") == "file_share"]:
            emulator.wait_for(
                partial(emulator.bot_messages, channel, share["ts"]),
                deadline - time.monotonic(),
                f"the bot did not index {share['files'][0]['name']}",
            )
        # The bot replies once a file is searchable by keywords; its vectors follow. The demo says
        # "indexed" only when both are there, so the first questions get the full retrieval.
        _wait_for_vectors(documents, {path.name for path in sample_files()}, deadline)
    except TimeoutError as exc:  # the demo still runs; the samples answer in #general only
        log.warning("the samples stay in #general only: %s", exc)
        return
    for path in sample_files():
        result = documents.ingest(path.read_bytes(), path.name, workspace_wide=True)
        if result.status == "failed":
            log.warning("could not share %s workspace-wide: %s", path.name, result.reason)


def _wait_for_vectors(documents: DocumentService, names: set[str], deadline: float) -> None:
    while True:
        done = {record.file_name for record in documents.list() if not record.vectors_pending}
        if names <= done:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the vectors of {', '.join(sorted(names - done))} are not computed yet")
        time.sleep(0.2)
