import pytest

from core.routing.requests import asks_something


@pytest.mark.parametrize(
    "text",
    [
        "<@U0BOT> what does this say about X?",
        "@DocBot what does this say about the brakes",  # a wh-question without its question mark
        "does the report mention injuries",  # yes/no question, auxiliary before the subject
        "Can you tell me who signed it",
        "Summarize the findings",
        "please list the recommendations.",
        "Here is the Q3 report. Tell me the revenue.",  # the second sentence asks
        "hey, how many people were on board",
        "I'd like to know the probable cause",
        "the report from yesterday, anything about fuel?",
        "Find the total cost",
    ],
)
def test_questions_and_requests_ask(text: str) -> None:
    assert asks_something(text)


@pytest.mark.parametrize(
    "text",
    [
        "<@U0BOT> here is an accident report",
        "@DocBot here is an accident report",
        "FYI: the Q3 numbers",
        "For the safety team.",
        "This is the new travel policy, effective from May",
        "Find attached the signed contract",
        "uploading the minutes from Monday's meeting",
        "",
        ":page_facing_up:",
        "Is",  # an auxiliary alone is not a question
    ],
)
def test_statements_ask_nothing(text: str) -> None:
    assert not asks_something(text)
