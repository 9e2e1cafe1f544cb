"""Block Kit builders and mrkdwn text: escaping, limits, button values, citations."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from handlers.ui import ids as c
from handlers.ui.blocks import (
    HomeContent,
    ProposalView,
    answer_blocks,
    decide_outcome_text,
    decided_from_message,
    decode_query_ref,
    edit_modal,
    encode_query_ref,
    fit_message,
    home_view,
    proposal_blocks,
    proposal_decided_blocks,
    result_blocks,
)
from handlers.ui.format import SECTION_LIMIT, citation_label, code_block, escape, pages_label, split_text


def test_escape_neutralises_control_characters_and_broadcasts() -> None:
    text = escape("<!channel> & <http://evil|click> @here @Everyone @channels")
    assert "<" not in text and ">" not in text and "&amp;" in text
    assert "@here" not in text and "@Everyone" not in text
    assert "@channels" in text, "only whole-word broadcasts are defused"


def test_code_block_cannot_be_closed_early() -> None:
    block = code_block("SELECT 1 ``` @channel <b>")
    assert block.startswith("```") and block.endswith("```") and block.count("```") == 2
    assert "&lt;b&gt;" in block


@pytest.mark.parametrize(
    ("pages", "label"), [([3], "p. 3"), ([3, 4, 5], "pp. 3–5"), ([7, 2], "pp. 2, 7"), ([], ""), ([4, 4], "p. 4")]
)
def test_pages_label(pages, label) -> None:
    assert pages_label(pages) == label


def test_citation_label() -> None:
    assert citation_label("report.pdf", [3]) == "report.pdf, p. 3"
    assert citation_label("notes.txt", []) == "notes.txt"
    assert citation_label("a<b>.pdf", [1]) == "a&lt;b&gt;.pdf, p. 1"
    assert citation_label("policy.pdf", [2], "Meals & allowances") == "policy.pdf, p. 2 — Meals &amp; allowances"


def test_split_text_respects_limit_and_keeps_everything() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 150 for i in range(10))
    pieces = split_text(text, SECTION_LIMIT)
    assert len(pieces) > 1 and all(len(p) <= SECTION_LIMIT for p in pieces)
    assert "".join(p.replace(" ", "").replace("\n", "") for p in pieces) == text.replace(" ", "").replace("\n", "")


def test_split_text_never_cuts_an_entity() -> None:
    text = "x" * 2995 + "&amp;" + "y" * 10
    pieces = split_text(text, 3000)
    assert all(p.count("&") == p.count("&amp;") for p in pieces)


def _answer(text: str, citations=(), mode: str = "llm"):
    return SimpleNamespace(text=text, citations=list(citations), mode=mode, hits=[])


def test_answer_blocks_cite_file_and_pages_and_escape_model_text() -> None:
    citation = SimpleNamespace(number=1, file_name="report.pdf", pages=[3], doc_id="d1", section=None)
    blocks = answer_blocks(_answer("Revenue grew [1]. <!channel>", [citation]))
    dumped = json.dumps(blocks)
    assert "[1] report.pdf, p. 3" in dumped
    assert "<!channel>" not in dumped


def test_long_answer_is_split_within_block_kit_limits() -> None:
    blocks = answer_blocks(_answer("word " * 40000))
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks if b["type"] == "section")
    assert "cut" in json.dumps(blocks[-1])


def test_answer_with_nothing_found_says_so() -> None:
    blocks = answer_blocks(_answer("", mode="none"))
    assert "could not find" in json.dumps(blocks)


def test_fit_message_budget() -> None:
    blocks = [{"type": "divider"}] * 60
    assert len(fit_message(blocks)) == 50
    assert len(fit_message(blocks, limit=45)) == 45


def test_button_values_round_trip_and_refuse_foreign_values() -> None:
    assert decode_query_ref(encode_query_ref("q_abc-123")) == "q_abc-123"
    for bad in (None, "", "SELECT * FROM orders", "q1:", "q1:a b", "q1:" + "x" * 300, "q0:abc"):
        with pytest.raises(ValueError):
            decode_query_ref(bad)


def _view(**overrides) -> ProposalView:
    fields = {
        "question": "revenue @here?",
        "sql": "SELECT 1 LIMIT 1000",
        "tables": ["orders"],
        "message": "Review this",
        "query_id": "abc123",
        "requester": "U1",
    }
    fields.update(overrides)
    return ProposalView(**fields)


def test_proposal_has_sql_question_tables_and_three_buttons_with_ids_only() -> None:
    blocks = proposal_blocks(_view())
    dumped = json.dumps(blocks)
    assert "```SELECT 1 LIMIT 1000```" in dumped and "`orders`" in dumped and "@here" not in dumped
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        c.SQL_APPROVE_ACTION_ID,
        c.SQL_EDIT_ACTION_ID,
        c.SQL_REJECT_ACTION_ID,
    ]
    assert {e["value"] for e in actions["elements"]} == {encode_query_ref("abc123")}


def test_long_sql_is_shown_whole_across_code_blocks() -> None:
    sql = "SELECT " + ", ".join(f"column_{i}" for i in range(600)) + " FROM wide_table"
    blocks = proposal_blocks(_view(sql=sql))
    code = [b["text"]["text"] for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("```")]
    assert len(code) > 1 and all(len(t) <= SECTION_LIMIT for t in code)
    assert " ".join(t.strip("`") for t in code).replace("  ", " ").count("column_") == 600


def test_proposal_without_query_has_no_buttons() -> None:
    blocks = proposal_blocks(_view(query_id=None, sql=None, message="I can't write that query."))
    assert not any(b["type"] == "actions" for b in blocks)
    assert "can't write that query" in json.dumps(blocks)


def test_decided_proposal_drops_buttons_and_says_who_and_when() -> None:
    outcome = decide_outcome_text("Approved", "U1", 1_700_000_000, "12 rows · 38 ms")
    for blocks in (proposal_decided_blocks(_view(), outcome), decided_from_message(proposal_blocks(_view()), outcome)):
        assert not any(b["type"] == "actions" for b in blocks)
        last = json.dumps(blocks[-1])
        assert "Approved by <@U1>" in last and "<!date^1700000000^" in last and "12 rows" in last


def test_result_blocks_build_a_table_block() -> None:
    table = {
        "columns": ["month", "revenue"],
        "rows": [["2023-01", "10.5"], ["2023-02", "11"]],
        "numeric": [False, True],
        "shown_rows": 2,
        "total_rows": 300,
        "more_rows": True,
        "hidden_columns": 1,
    }
    blocks = result_blocks(table, "300 rows · 5 ms")
    table_block = next(b for b in blocks if b["type"] == "table")
    assert table_block["rows"][0][0] == {"type": "raw_text", "text": "month"}
    assert table_block["column_settings"] == [{"align": "left"}, {"align": "right"}]
    notes = json.dumps(blocks[-1])
    assert "first 2 rows" in notes and "1 more columns" in notes


def test_edit_modal_carries_sql_and_metadata() -> None:
    view = edit_modal("SELECT 1", '{"q": "abc"}')
    assert view["callback_id"] == c.SQL_EDIT_VIEW_CALLBACK_ID and view["private_metadata"] == '{"q": "abc"}'
    element = view["blocks"][0]["element"]
    assert element["action_id"] == c.SQL_EDIT_INPUT_ACTION_ID and element["initial_value"] == "SELECT 1"


def test_home_view_escapes_and_reports_problems() -> None:
    view = home_view(
        HomeContent(
            documents=["<b>.pdf — 2 pages"],
            tables=[],
            examples=[],
            activity=[],
            problems=["could not load the database tables (DatabaseUnavailable: down)"],
        ),
        "UBOT1",
    )
    dumped = json.dumps(view)
    assert view["type"] == "home" and "&lt;b&gt;.pdf" in dumped and "No database tables known" in dumped
    assert "could not load the database tables" in dumped


def test_home_view_suggests_questions_with_the_bots_real_mention() -> None:
    view = home_view(HomeContent(documents=[], tables=[], examples=[], activity=[], problems=[]), "UBOT1")
    how_to = view["blocks"][1]["text"]["text"]
    assert "<@UBOT1> what is the refund policy?" in how_to
    assert "<@UBOT1> how many orders per month in 2024?" in how_to
    assert "@bot" not in how_to and "travel policy" not in how_to and "2023" not in how_to


def test_near_miss_buttons_carry_the_saved_questions_id_and_refuse_foreign_values() -> None:
    from core.sql.knowledge import example_id
    from handlers.ui.blocks import decode_saved_ref, similar_question_blocks

    questions = ["Which products have never been ordered?", "x" * 200, "Who are the top 10 customers?", "fourth"]
    blocks = similar_question_blocks([(q, example_id(q)) for q in questions])
    buttons = blocks[-1]["elements"]
    assert blocks[-1]["block_id"] == c.SIMILAR_QUESTIONS_BLOCK_ID and len(buttons) == 3
    assert len({b["action_id"] for b in buttons}) == 3  # Slack refuses repeated action ids in one block
    assert all(len(b["text"]["text"]) <= 75 for b in buttons)
    assert decode_saved_ref(buttons[0]["value"]) == example_id(questions[0])
    for foreign in (None, "q1:abc", "s1:example:../../x", "s1:doc:abc"):
        with pytest.raises(ValueError):
            decode_saved_ref(foreign)
    assert similar_question_blocks([]) == []
