"""Chat in a thread the bot answered is told apart from follow-up questions."""

from __future__ import annotations

import pytest

from handlers.events.chatter import is_chatter


@pytest.mark.parametrize(
    "text",
    [
        "thanks!",
        "Thank you :pray:",
        "ok cool, see you at lunch bob",
        "👍",
        ":+1:",
        "got it, sounds good",
        "great, so 150 EUR per night for the hotel in Berlin",
        "lol",
        "see you tomorrow",
    ],
)
def test_acknowledgements_and_social_remarks_are_chatter(text: str) -> None:
    assert is_chatter(text)


@pytest.mark.parametrize(
    "text",
    [
        "and in London?",
        "and for 2022",
        "ok and for 2022",
        "in 2022",
        "what about 2023",
        "ok, and per month?",
        "great, now show revenue by country",
        "yes",
        "by month",
        "the hotel limit in Paris",
        "lunch?",
    ],
)
def test_follow_up_questions_are_not_chatter(text: str) -> None:
    assert not is_chatter(text)
