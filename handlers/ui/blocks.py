"""Block Kit builders: every message, modal and Home tab the bot sends is built here.

Builders return plain dicts (what chat.postMessage takes) made from typed slack_sdk models, so a
misspelt field fails here rather than at Slack. Button values carry a pending query's id, never
SQL: Slack caps a value at 2,000 characters and a value is visible to anyone in the channel.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    TableBlock,
)
from slack_sdk.models.views import View

from handlers.ui import ids as c
from handlers.ui.format import (
    CONTEXT_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    SECTION_LIMIT,
    citation_label,
    code_block,
    escape,
    split_text,
    truncate,
)
from handlers.ui.hints import EXAMPLE_DATA_QUESTION, EXAMPLE_DOCS_QUESTION

if TYPE_CHECKING:
    from core.answers.base import Answer
    from core.sql.approvals import PendingQuery

TABLE_DATA_ROWS = 99  # Slack's table block holds 100 rows, the header included
TABLE_MAX_COLS = 20
MODAL_SQL_LIMIT = 3000  # plain_text_input max_length


# --- button values ----------------------------------------------------------------------------


def encode_query_ref(query_id: str) -> str:
    return c.QUERY_REF_PREFIX + query_id


def decode_query_ref(value: str | None) -> str:
    """The pending query id inside a button value; ValueError for anything we did not write."""
    if not value or not value.startswith(c.QUERY_REF_PREFIX) or len(value) > 200:
        raise ValueError("this button does not belong to a query this bot proposed")
    query_id = value[len(c.QUERY_REF_PREFIX) :]
    if not query_id or not all(ch.isalnum() or ch in "-_" for ch in query_id):
        raise ValueError("this button does not belong to a query this bot proposed")
    return query_id


# --- small pieces -----------------------------------------------------------------------------


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def _sections(mrkdwn: str) -> list[Block]:
    return [SectionBlock(text=_mrkdwn(piece)) for piece in split_text(mrkdwn, SECTION_LIMIT)]


def _as_dicts(blocks: Sequence[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    return [b if isinstance(b, dict) else b.to_dict() for b in blocks]


def fit_message(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCK_LIMIT) -> list[dict[str, Any]]:
    """At most `limit` blocks; when cut, the last one says so rather than losing text silently."""
    if len(blocks) <= limit:
        return blocks
    note = "_(The rest was cut: a Slack message holds at most 50 blocks.)_"
    return [*blocks[: max(limit - 1, 0)], SectionBlock(text=_mrkdwn(note)).to_dict()]


def notice_blocks(text: str) -> list[dict[str, Any]]:
    """A plain message the bot wrote itself (already safe mrkdwn)."""
    return _as_dicts(_sections(text))


# --- document answers -------------------------------------------------------------------------


def answer_blocks(answer: Answer) -> list[dict[str, Any]]:
    """The answer (escaped; [n] markers kept) and a Sources line naming file and pages."""
    if answer.mode == "none" or not answer.text.strip():
        text = answer.text.strip() or "I could not find anything about that in the documents shared here."
        return notice_blocks(escape(text))
    blocks: list[Block] = _sections(escape(answer.text))
    if answer.citations:
        sources = "  ·  ".join(
            f"[{ct.number}] {citation_label(ct.file_name, ct.pages, ct.section)}" for ct in answer.citations
        )
        for piece in split_text("*Sources:* " + sources, CONTEXT_LIMIT):
            blocks.append(ContextBlock(elements=[_mrkdwn(piece)]))
    return fit_message(_as_dicts(blocks))


# --- SQL proposals ----------------------------------------------------------------------------


@dataclass
class ProposalView:
    """What a proposal message shows; built from core's Proposal by the handler."""

    question: str
    sql: str | None
    tables: list[str]
    message: str  # the generator's note, or the clarification / abstention text
    query_id: str | None  # None: nothing to approve (clarification or abstention)
    requester: str


def pending_view(pending: PendingQuery, message: str) -> ProposalView:
    """A stored pending query as a proposal to display."""
    return ProposalView(
        question=pending.question,
        sql=pending.sql,
        tables=list(pending.tables or []),
        message=message,
        query_id=pending.id,
        requester=pending.requester,
    )


def proposal_blocks(view: ProposalView) -> list[dict[str, Any]]:
    blocks: list[Block] = [
        SectionBlock(
            text=_mrkdwn(truncate(f"*Data question* from <@{view.requester}>: {escape(view.question)}", SECTION_LIMIT))
        )
    ]
    if view.sql and view.query_id:
        # All of the SQL that will run is shown: long queries continue in further code blocks.
        for piece in split_text(view.sql, SECTION_LIMIT - 200):
            blocks.append(SectionBlock(text=_mrkdwn(code_block(piece))))
        if view.tables:
            tables = truncate("Tables: " + ", ".join(f"`{escape(t)}`" for t in view.tables), CONTEXT_LIMIT)
            blocks.append(ContextBlock(elements=[_mrkdwn(tables)]))
        if view.message:
            blocks.append(ContextBlock(elements=[_mrkdwn(truncate(escape(view.message), CONTEXT_LIMIT))]))
        ref = encode_query_ref(view.query_id)
        blocks.append(
            ActionsBlock(
                block_id=c.PROPOSAL_ACTIONS_BLOCK_ID,
                elements=[
                    ButtonElement(text="Approve", action_id=c.SQL_APPROVE_ACTION_ID, value=ref, style="primary"),
                    ButtonElement(text="Edit", action_id=c.SQL_EDIT_ACTION_ID, value=ref),
                    ButtonElement(
                        text="Reject",
                        action_id=c.SQL_REJECT_ACTION_ID,
                        value=ref,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Reject this query?", text="It will not be run.", confirm="Reject", deny="Keep"
                        ),
                    ),
                ],
            )
        )
    else:
        blocks.extend(_sections(escape(view.message or "I could not write a query for that.")))
    return _as_dicts(blocks)


def proposal_decided_blocks(view: ProposalView, outcome: str) -> list[dict[str, Any]]:
    """The proposal without its buttons, with what happened to it (mrkdwn we wrote)."""
    blocks = [b for b in proposal_blocks(view) if b.get("block_id") != c.PROPOSAL_ACTIONS_BLOCK_ID]
    blocks.append(ContextBlock(elements=[_mrkdwn(truncate(outcome, CONTEXT_LIMIT))]).to_dict())
    return blocks


def decided_from_message(message_blocks: list[dict[str, Any]], outcome: str) -> list[dict[str, Any]]:
    """A posted proposal's own blocks without its buttons, plus what happened (mrkdwn we wrote)."""
    kept = [
        b for b in message_blocks if b.get("block_id") != c.PROPOSAL_ACTIONS_BLOCK_ID and b.get("type") != "actions"
    ]
    return [*kept, ContextBlock(elements=[_mrkdwn(truncate(outcome, CONTEXT_LIMIT))]).to_dict()]


def slack_date(ts: float) -> str:
    """A timestamp every reader sees in their own time zone (UTC where dates do not render)."""
    fallback = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))
    return f"<!date^{int(ts)}^{{date_short_pretty}} at {{time}}|{fallback}>"


def decide_outcome_text(verb: str, user: str, ts: float, detail: str = "") -> str:
    """ "✅ Approved by <@U1> on <date> · 12 rows · 38 ms" (detail is escaped here)."""
    icons = {"Approved": ":white_check_mark:", "Rejected": ":no_entry_sign:", "Edited": ":pencil2:", "Failed": ":x:"}
    text = f"{icons.get(verb, '')} {verb} by <@{user}> {slack_date(ts)}".strip()
    return text + (f" · {escape(detail)}" if detail else "")


# --- SQL results ------------------------------------------------------------------------------


def table_block(table: dict[str, Any]) -> dict[str, Any]:
    """A Slack `table` block from core.sql.render.result_table's strings (header row first)."""
    header = [{"type": "raw_text", "text": name} for name in table["columns"]]
    rows = [[{"type": "raw_text", "text": cell} for cell in row] for row in table["rows"]]
    settings = [{"align": "right" if numeric else "left"} for numeric in table["numeric"]]
    return TableBlock(rows=[header, *rows], column_settings=settings).to_dict()


def result_blocks(table: dict[str, Any], summary: str) -> list[dict[str, Any]]:
    """A summary line, the table (when there are rows) and what was left out of it."""
    blocks: list[dict[str, Any]] = [SectionBlock(text=_mrkdwn(f"*Result:* {escape(summary)}")).to_dict()]
    if table["rows"]:
        blocks.append(table_block(table))
    else:
        blocks.append(SectionBlock(text=_mrkdwn("_The query returned no rows._")).to_dict())
    notes = []
    if table["more_rows"]:
        notes.append(f"the table shows the first {table['shown_rows']} rows; the CSV has every fetched row")
    if table["hidden_columns"]:
        notes.append(f"{table['hidden_columns']} more columns are in the CSV")
    if notes:
        blocks.append(ContextBlock(elements=[_mrkdwn("_" + "; ".join(notes) + "._")]).to_dict())
    return blocks


SIMILAR_BUTTONS = 3  # the closest saved questions offered on a near miss
_BUTTON_TEXT = 75  # Slack's limit on a button's text


def encode_saved_ref(example_id: str) -> str:
    return c.SAVED_REF_PREFIX + example_id


def decode_saved_ref(value: str | None) -> str:
    """The saved question's example id inside a button value; ValueError for anything we did not write."""
    if not value or not value.startswith(c.SAVED_REF_PREFIX) or len(value) > 200:
        raise ValueError("this button does not belong to a saved question this bot offered")
    example_id = value[len(c.SAVED_REF_PREFIX) :]
    kind, _, digest = example_id.partition(":")
    if kind != "example" or not digest or not digest.isalnum():
        raise ValueError("this button does not belong to a saved question this bot offered")
    return example_id


def similar_question_blocks(similar: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Buttons for the closest saved questions, (question, example id) best first."""
    if not similar:
        return []
    buttons = [
        ButtonElement(
            text=truncate(question, _BUTTON_TEXT),
            action_id=f"{c.SQL_SAVED_QUESTION_ACTION_ID}_{n}" if n else c.SQL_SAVED_QUESTION_ACTION_ID,
            value=encode_saved_ref(example_id),
        )
        for n, (question, example_id) in enumerate(similar[:SIMILAR_BUTTONS])
    ]
    intro = ContextBlock(elements=[_mrkdwn("Did you mean one of these saved questions?")])
    return _as_dicts([intro, ActionsBlock(block_id=c.SIMILAR_QUESTIONS_BLOCK_ID, elements=buttons)])


def save_example_blocks(query_id: str) -> list[dict[str, Any]]:
    """Under a result: keep the example, or post the stored result again further down the thread."""
    ref = encode_query_ref(query_id)
    return [
        ActionsBlock(
            elements=[
                ButtonElement(text="Save as example", action_id=c.SQL_SAVE_EXAMPLE_ACTION_ID, value=ref),
                ButtonElement(text="Show result again", action_id=c.SQL_SHOW_RESULT_ACTION_ID, value=ref),
            ]
        ).to_dict()
    ]


def show_result_blocks(text: str, query_id: str) -> list[dict[str, Any]]:
    """A notice with the one button that helps: post the stored result again."""
    button = ButtonElement(
        text="Show result again", action_id=c.SQL_SHOW_RESULT_ACTION_ID, value=encode_query_ref(query_id)
    )
    return [*notice_blocks(text), ActionsBlock(elements=[button]).to_dict()]


# --- the Edit modal ---------------------------------------------------------------------------


def edit_modal(sql: str, private_metadata: str) -> dict[str, Any]:
    """The SQL in an editable box (callers refuse SQL over MODAL_SQL_LIMIT: cut SQL is another query);
    private_metadata says which proposal and thread it belongs to."""
    return View(
        type="modal",
        callback_id=c.SQL_EDIT_VIEW_CALLBACK_ID,
        title=PlainTextObject(text="Edit SQL"),
        submit=PlainTextObject(text="Propose"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=c.SQL_EDIT_BLOCK_ID,
                label="SQL (checked again before anyone can approve it)",
                element=PlainTextInputElement(
                    action_id=c.SQL_EDIT_INPUT_ACTION_ID,
                    multiline=True,
                    initial_value=sql,
                    max_length=MODAL_SQL_LIMIT,
                ),
            )
        ],
    ).to_dict()


# --- App Home ---------------------------------------------------------------------------------


@dataclass
class HomeContent:
    documents: list[str]  # already-formatted lines, e.g. "report.pdf — 12 pages"
    tables: list[str]
    examples: list[str]
    activity: list[str]
    problems: list[str]  # parts that could not be loaded, said plainly
    feedback: list[str] = field(default_factory=list)  # 👍 / 👎 totals, then the latest 👎 questions
    usage: list[str] = field(default_factory=list)  # questions, refusals and LLM tokens per UTC day


def _bullets(lines: list[str], empty: str, limit: int = 20) -> str:
    if not lines:
        return f"_{empty}_"
    shown = [f"• {escape(line)}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"_…and {len(lines) - limit} more_")
    return truncate("\n".join(shown), SECTION_LIMIT)


def home_view(content: HomeContent, bot_user_id: str | None) -> dict[str, Any]:
    bot = f"<@{bot_user_id}>" if bot_user_id else "@me"
    how_to = (
        f"• Mention me in a channel: {bot} {EXAMPLE_DOCS_QUESTION}\n"
        f"• Ask about data: {bot} {EXAMPLE_DATA_QUESTION} — I propose SQL; *Approve* runs it read-only.\n"
        "• Share a PDF, DOCX, HTML, Markdown, TXT, CSV or JSON file in a channel I am in and I index it.\n"
        "• Reply in a thread I answered to follow up, or send me a direct message.\n"
        "• `/ask <question>` works anywhere."
    )
    blocks: list[Block] = [
        HeaderBlock(text="What I can answer"),
        SectionBlock(text=_mrkdwn("*How to use me*\n" + how_to)),
        DividerBlock(),
        SectionBlock(
            text=_mrkdwn(
                "*Documents*\n" + _bullets(content.documents, "No documents yet: share a file in a channel I am in.")
            )
        ),
        SectionBlock(text=_mrkdwn("*Database tables*\n" + _bullets(content.tables, "No database tables known."))),
        SectionBlock(
            text=_mrkdwn("*Saved examples*\n" + _bullets(content.examples, "No saved question → SQL examples yet."))
        ),
        DividerBlock(),
        SectionBlock(text=_mrkdwn("*Recent activity*\n" + _bullets(content.activity, "Nothing yet.", limit=10))),
        SectionBlock(text=_mrkdwn("*Answer feedback*\n" + _bullets(content.feedback, "No ratings yet.", limit=10))),
        SectionBlock(text=_mrkdwn("*Usage (UTC days)*\n" + _bullets(content.usage, "No questions yet.", limit=8))),
    ]
    if content.problems:
        blocks.append(ContextBlock(elements=[_mrkdwn(truncate("⚠️ " + escape("; ".join(content.problems)), 2000))]))
    return View(type="home", blocks=blocks).to_dict()
