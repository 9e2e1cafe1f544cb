from __future__ import annotations

import threading

import pytest

from core.feedback.base import AnsweredQuestion, FeedbackError
from core.feedback.kv import KeyValueFeedbackStore


def answered(answer_id: str = "a1") -> AnsweredQuestion:
    return AnsweredQuestion(
        answer_id,
        "What is the hotel limit?",
        "150 EUR per night [1].",
        [{"number": 1, "file_name": "policy.pdf", "pages": [2], "doc_id": "d"}],
        "extractive",
        "C1",
        "U1",
        1.0,
    )


@pytest.fixture(params=["local_kv", "redis_kv"])
def store(request) -> KeyValueFeedbackStore:
    return KeyValueFeedbackStore(request.getfixturevalue(request.param))


def test_each_person_rates_an_answer_exactly_once_even_when_clicks_race(store) -> None:
    store.remember(answered())
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.rate("a1", "U2", "down"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    assert store.rate("a1", "U3", "up") is not None
    assert store.rate("a1", "U3", "down") is None  # a second opinion of the same person is refused
    rows = store.all()
    assert [(f.user, f.rating) for f in rows] == [("U2", "down"), ("U3", "up")]
    assert rows[0].answer.question == "What is the hotel limit?" and rows[0].answer.citations[0]["pages"] == [2]


def test_unknown_answers_and_ratings_are_refused(store) -> None:
    with pytest.raises(FeedbackError, match="not known"):
        store.rate("nope", "U1", "up")
    store.remember(answered())
    with pytest.raises(FeedbackError, match="unknown rating"):
        store.rate("a1", "U1", "meh")  # type: ignore[arg-type]
