"""Text for Slack: mrkdwn escaping, Block Kit size limits, citation labels.

Slack parses `&`, `<` and `>` as control characters: `<!channel>` pings everyone and `<http://x|y>`
disguises a link. Any text a user or a model wrote goes through `escape` before it is shown, and
bare `@channel`/`@here`/`@everyone` get a zero-width joiner so they read the same but never ping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SECTION_LIMIT = 3000  # characters of text in one section block
CONTEXT_LIMIT = 2000  # characters in one context block element (kept conservative)
MESSAGE_BLOCK_LIMIT = 50  # blocks in one message

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """User or model text made inert for mrkdwn: no links, mentions or broadcasts it did not mean."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def code_block(text: str) -> str:
    """Text inside ``` fences; backtick runs are broken so the fence cannot be closed early."""
    return "```" + escape(text).replace("```", "`\u200b``") + "```"


def pages_label(pages: Iterable[int]) -> str:
    """[3] -> "p. 3"; [3, 4, 5] -> "pp. 3–5"; [2, 7] -> "pp. 2, 7"; [] -> ""."""
    ordered = sorted(set(pages))
    if not ordered:
        return ""
    if len(ordered) == 1:
        return f"p. {ordered[0]}"
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"pp. {ordered[0]}–{ordered[-1]}"
    return "pp. " + ", ".join(str(p) for p in ordered)


def citation_label(file_name: str, pages: Iterable[int], section: str | None = None) -> str:
    """ "report.pdf, p. 3" or "report.pdf, p. 3 — Hotels" (file names and headings are
    document text, so escaped)."""
    label = pages_label(pages)
    return escape(file_name) + (f", {label}" if label else "") + (f" — {escape(section)}" if section else "")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at paragraph, then line, then word boundaries.

    Escaped entities (`&amp;`) are never cut in half, so every piece is valid mrkdwn on its own.
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
            amp = window.rfind("&", limit - 6)
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def truncate(text: str, limit: int, marker: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(marker)] + marker
