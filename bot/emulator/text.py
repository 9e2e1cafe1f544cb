"""What Slack's client does to a typed message before it reaches an app.

Slack escapes `&`, `<`, `>`, turns @names into `<@U…>` mentions and bare URLs into `<url>`
links, and attaches a `rich_text` block mirroring the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# Already-encoded Slack tokens (`<@U1>`, `<#C1|general>`, `<!here>`, `<https://…|…>`) pass as they are.
_TOKEN = re.compile(r"<(?:[@#!][^<>\s]+|https?://[^<>\s]+)>")
_MENTION = re.compile(r"(?<![\w<])@([A-Za-z][\w-]*(?:\.[\w-]+)*)")  # "@bot." ends at the name
_URL = re.compile(r"(?<![<|])\bhttps?://[^\s<>]+")
_SPECIAL = {"channel": "<!channel>", "here": "<!here>", "everyone": "<!everyone>"}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode_user_text(text: str, resolve_user: Callable[[str], str | None]) -> str:
    """Slack wire text for what a person typed; `resolve_user(name)` gives a user id or None."""
    out: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        out.append(_encode_plain(text[pos : match.start()], resolve_user))
        out.append(match.group(0))
        pos = match.end()
    out.append(_encode_plain(text[pos:], resolve_user))
    return "".join(out)


def _encode_plain(text: str, resolve_user: Callable[[str], str | None]) -> str:
    text = escape(text)
    text = _URL.sub(lambda m: f"<{m.group(0)}>", text)

    def mention(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.lower() in _SPECIAL:
            return _SPECIAL[name.lower()]
        user_id = resolve_user(name)
        return f"<@{user_id}>" if user_id else m.group(0)

    return _MENTION.sub(mention, text)


def mentioned_users(text: str) -> list[str]:
    return re.findall(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", text)


def rich_text_block(text: str, block_id: str) -> dict[str, Any]:
    """The `rich_text` block Slack's client sends along with `text`."""
    elements: list[dict[str, Any]] = []
    pos = 0
    for match in re.finditer(r"<([@#!]?)([^<>|]+)(?:\|([^<>]*))?>", text):
        if match.start() > pos:
            elements.append({"type": "text", "text": _unescape(text[pos : match.start()])})
        sigil, target, label = match.groups()
        if sigil == "@":
            elements.append({"type": "user", "user_id": target})
        elif sigil == "#":
            elements.append({"type": "channel", "channel_id": target})
        elif sigil == "!":
            elements.append({"type": "broadcast", "range": target})
        else:
            link: dict[str, Any] = {"type": "link", "url": target}
            if label:
                link["text"] = label
            elements.append(link)
        pos = match.end()
    if pos < len(text):
        elements.append({"type": "text", "text": _unescape(text[pos:])})
    return {
        "type": "rich_text",
        "block_id": block_id,
        "elements": [{"type": "rich_text_section", "elements": elements}],
    }


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
