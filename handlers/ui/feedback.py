"""The 👍 / 👎 buttons under a document answer. Their values carry the answer's id, never text."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from handlers.ui import ids as c

_ANSWER_ID = re.compile(r"^[0-9a-f]{32}$")
THANKS = {"up": "Thanks — your :+1: is recorded.", "down": "Thanks — your :-1: is recorded; it helps fix bad answers."}
ALREADY = "You already rated this answer; each person's first rating counts."


def feedback_blocks(answer_id: str) -> list[dict[str, Any]]:
    ref = c.ANSWER_REF_PREFIX + answer_id
    return [
        ActionsBlock(
            block_id=c.ANSWER_FEEDBACK_BLOCK_ID,
            elements=[
                ButtonElement(text=":+1:", action_id=c.ANSWER_FEEDBACK_UP_ACTION_ID, value=ref),
                ButtonElement(text=":-1:", action_id=c.ANSWER_FEEDBACK_DOWN_ACTION_ID, value=ref),
            ],
        ).to_dict()
    ]


def decode_answer_ref(value: str | None) -> str:
    """The answer id in a button value we wrote; ValueError for anything else."""
    if (
        not value
        or not value.startswith(c.ANSWER_REF_PREFIX)
        or not _ANSWER_ID.match(value[len(c.ANSWER_REF_PREFIX) :])
    ):
        raise ValueError(f"not an answer reference: {value!r}")
    return value[len(c.ANSWER_REF_PREFIX) :]
