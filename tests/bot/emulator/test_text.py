"""What the emulated Slack client sends for typed text: escaping, mentions, links."""

from __future__ import annotations

from bot.emulator.text import encode_user_text, rich_text_block

USERS = {"bot": "UBOT", "docbot": "UBOT", "alice": "U01ALICE"}


def encode(text: str) -> str:
    return encode_user_text(text, lambda name: USERS.get(name.lower()))


def test_mentions_escaping_and_links() -> None:
    assert encode("@DocBot is 1 < 2 & 3 > 2?") == "<@UBOT> is 1 &lt; 2 &amp; 3 &gt; 2?"
    assert encode("thanks @alice.") == "thanks <@U01ALICE>."
    assert encode("mail bob@example.com, ping @nobody") == "mail bob@example.com, ping @nobody"
    assert encode("@here see https://example.com/a?b=1") == "<!here> see <https://example.com/a?b=1>"
    assert encode("<@UBOT> already encoded <#C1|general>") == "<@UBOT> already encoded <#C1|general>"


def test_rich_text_block_mirrors_the_text() -> None:
    block = rich_text_block("<@UBOT> a &lt;b&gt; <https://x.io|site>", "abc")
    elements = block["elements"][0]["elements"]
    assert elements == [
        {"type": "user", "user_id": "UBOT"},
        {"type": "text", "text": " a <b> "},
        {"type": "link", "url": "https://x.io", "text": "site"},
    ]
