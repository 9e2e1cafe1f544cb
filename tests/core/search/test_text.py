from __future__ import annotations

import pytest

from core.search.text import sentences, terms, without_meta_words
from core.vectors.filters import FilterError, matches


def test_terms_keep_figures_whole_and_normalise_words():
    assert terms("Apple's total net sales were $81,797 million, up 24.6% in Q3 2023") == [
        "apple",
        "total",
        "net",
        "sale",
        "81797",
        "million",
        "24.6",
        "q3",
        "2023",
    ]
    assert terms("81797") == terms("81,797")


def test_sentences_split_prose_and_keep_table_rows_apart():
    text = "Net sales rose. Gross margin was 44.5%.\nProducts 100 200\nServices 3 4"
    assert sentences(text) == ["Net sales rose.", "Gross margin was 44.5%.", "Products 100 200", "Services 3 4"]


def test_meta_words_that_only_point_at_documents_are_dropped():
    assert without_meta_words("What was Intel's gross margin as reported in their latest 10-Q?") == (
        "What was Intel's gross margin as ?"
    )
    assert without_meta_words("the latest report") == "the latest report"  # nothing left: keep the question
    assert without_meta_words("What is the hotel limit?") == "What is the hotel limit?"


def test_filters_follow_pinecone_semantics():
    meta = {"channels": ["C1", "C2"], "workspace_wide": False, "n": 3}
    assert matches(meta, {"channels": {"$in": ["C2", "C9"]}})
    assert matches(meta, {"channels": "C1"})
    assert not matches(meta, {"channels": {"$nin": ["C1"]}})
    assert matches(meta, {"$or": [{"workspace_wide": True}, {"n": {"$gte": 3}}]})
    assert not matches(meta, {"$and": [{"n": {"$gt": 3}}, {"channels": "C1"}]})
    assert matches(meta, {"missing": {"$ne": "x"}}) and not matches(meta, {"missing": {"$eq": "x"}})
    with pytest.raises(FilterError, match="unsupported"):
        matches(meta, {"n": {"$regex": "x"}})


def test_a_line_wrapped_mid_sentence_is_joined_again():
    text = "R&D expense in 2023 was\ndriven by headcount.\nTotal net sales 81,797 82,959\nProducts 60,584"
    assert sentences(text) == [
        "R&D expense in 2023 was driven by headcount.",
        "Total net sales 81,797 82,959",
        "Products 60,584",
    ]


def test_without_terms_drops_whole_words_and_never_everything():
    from core.search.text import without_terms

    assert without_terms("How did Apple's R&D in Q3 change?", {"apple", "q3"}) == "How did R&D in change?"
    assert without_terms("Apple Q3", {"apple", "q3"}) == "Apple Q3"  # nothing would be left
    assert without_terms("Apple's sales", set()) == "Apple's sales"
