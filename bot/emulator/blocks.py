"""Block Kit checks with Slack's documented limits.

Slack answers `invalid_blocks` when a message breaks them; the emulator does the same so a
bot that forgets to split a long answer fails here rather than in production.
"""

from __future__ import annotations

from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
SECTION_FIELDS_MAX = 10
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTION_ID_MAX = 255
BLOCK_ID_MAX = 255
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
TABLE_ROWS_MAX = 100
TABLE_CELLS_MAX = 20
MESSAGE_TEXT_MAX = 40000

KNOWN_BLOCKS = {
    "section",
    "header",
    "divider",
    "context",
    "actions",
    "image",
    "table",
    "rich_text",
    "input",
    "markdown",
    "file",
    "video",
    "context_actions",
}


def block_errors(blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS) -> list[str]:
    """Problems with `blocks`, worded like Slack's `response_metadata.messages`."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{i}]"
        if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCKS:
            errors.append(f"[ERROR] unsupported type {where}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > BLOCK_ID_MAX:
                errors.append(f"[ERROR] must be less than {BLOCK_ID_MAX + 1} characters {where}/block_id")
            if block_id in block_ids:
                errors.append(f"[ERROR] duplicate block_id {where}/block_id")
            block_ids.add(block_id)
        errors.extend(_check_block(block, where))
    return errors


def _text_len(obj: Any) -> int:
    return len(obj.get("text", "")) if isinstance(obj, dict) else 0


def _check_block(block: dict[str, Any], where: str) -> list[str]:
    kind = block["type"]
    errors: list[str] = []
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"[ERROR] must provide either text or fields {where}")
        if _text_len(block.get("text")) > SECTION_TEXT_MAX:
            errors.append(f"[ERROR] must be less than {SECTION_TEXT_MAX + 1} characters {where}/text")
        if isinstance(block.get("text"), dict) and not block["text"].get("text"):
            errors.append(f"[ERROR] must be more than 0 characters {where}/text/text")
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS_MAX:
            errors.append(f"[ERROR] no more than {SECTION_FIELDS_MAX} items allowed {where}/fields")
        for j, f in enumerate(fields):
            if _text_len(f) > SECTION_FIELD_MAX:
                errors.append(f"[ERROR] must be less than {SECTION_FIELD_MAX + 1} characters {where}/fields/{j}")
        if isinstance(block.get("accessory"), dict):
            errors.extend(_check_element(block["accessory"], f"{where}/accessory"))
    elif kind == "header":
        if _text_len(block.get("text")) > HEADER_TEXT_MAX:
            errors.append(f"[ERROR] must be less than {HEADER_TEXT_MAX + 1} characters {where}/text")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > ACTIONS_ELEMENTS_MAX:
            errors.append(f"[ERROR] must have 1 to {ACTIONS_ELEMENTS_MAX} items {where}/elements")
        action_ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
        if len(action_ids) != len(set(action_ids)):
            errors.append(f"[ERROR] duplicate action_id {where}/elements")
        for j, element in enumerate(elements):
            errors.extend(_check_element(element, f"{where}/elements/{j}"))
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > CONTEXT_ELEMENTS_MAX:
            errors.append(f"[ERROR] must have 1 to {CONTEXT_ELEMENTS_MAX} items {where}/elements")
    elif kind == "image":
        if not block.get("image_url") and not block.get("slack_file"):
            errors.append(f"[ERROR] must provide image_url or slack_file {where}")
        if not block.get("alt_text"):
            errors.append(f"[ERROR] missing required field: alt_text {where}")
    elif kind == "table":
        rows = block.get("rows")
        if not isinstance(rows, list) or not rows:
            errors.append(f"[ERROR] missing required field: rows {where}")
        elif len(rows) > TABLE_ROWS_MAX:
            errors.append(f"[ERROR] no more than {TABLE_ROWS_MAX} items allowed {where}/rows")
        else:
            for j, row in enumerate(rows):
                if not isinstance(row, list) or len(row) > TABLE_CELLS_MAX:
                    errors.append(f"[ERROR] no more than {TABLE_CELLS_MAX} items allowed {where}/rows/{j}")
                    continue
                for k, cell in enumerate(row):
                    if not isinstance(cell, dict) or cell.get("type") not in ("raw_text", "rich_text"):
                        errors.append(f"[ERROR] unsupported cell type {where}/rows/{j}/{k}")
    return errors


def _check_element(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"[ERROR] must be an object {where}"]
    errors: list[str] = []
    if element.get("type") == "button":
        if _text_len(element.get("text")) > BUTTON_TEXT_MAX:
            errors.append(f"[ERROR] must be less than {BUTTON_TEXT_MAX + 1} characters {where}/text")
        if len(str(element.get("value", ""))) > BUTTON_VALUE_MAX:
            errors.append(f"[ERROR] must be less than {BUTTON_VALUE_MAX + 1} characters {where}/value")
    if len(str(element.get("action_id", ""))) > ACTION_ID_MAX:
        errors.append(f"[ERROR] must be less than {ACTION_ID_MAX + 1} characters {where}/action_id")
    return errors
