"""What the bot suggests asking: examples that work on the demo (sample documents and shop database)."""

from __future__ import annotations

from dataclasses import replace

from core.assistant.base import NOTHING_FOUND, no_data_text
from core.routing.base import MissingConcept
from handlers.ui.format import escape

EXAMPLE_DOCS_QUESTION = "what is the refund policy?"
EXAMPLE_DATA_QUESTION = "how many orders per month in 2024?"
EXAMPLE_CHART_QUESTION = "what is the revenue per month?"

EMPTY_QUESTION = f"Ask me something after the mention, e.g. “{EXAMPLE_DOCS_QUESTION}” or “{EXAMPLE_DATA_QUESTION}”."
ASK_USAGE = f"Usage: `/ask <question>`, e.g. `/ask {EXAMPLE_DOCS_QUESTION}`"
# A direct message sees only documents shared there or workspace-wide, never a channel's.
DM_SCOPE_HINT = (
    "_Documents shared in a channel answer only in that channel: ask me there, or share the file "
    "here. An admin can also index documents workspace-wide (`python -m bot ingest --workspace-wide PATH`)._"
)


def nothing_found_text(tables: list[str], missing: MissingConcept | None = None) -> str:
    """The one reply to a question neither the documents nor the data could answer (safe mrkdwn);
    missing: the question's key concept no source knows."""
    if missing:
        return no_data_text(replace(missing, text=escape(missing.text)), [f"`{escape(name)}`" for name in tables])
    text = f"{NOTHING_FOUND} Try “{EXAMPLE_DOCS_QUESTION}” or “{EXAMPLE_DATA_QUESTION}”."
    if tables:
        text += " Tables I know: " + ", ".join(f"`{escape(name)}`" for name in tables) + "."
    return text
