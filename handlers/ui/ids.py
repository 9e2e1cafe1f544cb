"""Every Block Kit identifier the bot sends and listens for, in one place."""

from __future__ import annotations

# Buttons on a SQL proposal.
SQL_APPROVE_ACTION_ID = "sql_approve"
SQL_EDIT_ACTION_ID = "sql_edit"
SQL_REJECT_ACTION_ID = "sql_reject"
# Button under a result: keep this question -> SQL pair as a training example.
SQL_SAVE_EXAMPLE_ACTION_ID = "sql_save_example"
# Button under a result (or under the notice that posting it failed): post the stored result again.
SQL_SHOW_RESULT_ACTION_ID = "sql_show_result"

# The Edit modal.
SQL_EDIT_VIEW_CALLBACK_ID = "sql_edit_submit"
SQL_EDIT_BLOCK_ID = "sql_edit_block"
SQL_EDIT_INPUT_ACTION_ID = "sql_edit_input"

# 👍 / 👎 under every document answer, and the block that holds them.
ANSWER_FEEDBACK_UP_ACTION_ID = "answer_feedback_up"
ANSWER_FEEDBACK_DOWN_ACTION_ID = "answer_feedback_down"
ANSWER_FEEDBACK_BLOCK_ID = "answer_feedback"

# The slash command.
ASK_COMMAND = "/ask"

# Block ids that tell later updates which part of a message is which.
PROPOSAL_ACTIONS_BLOCK_ID = "sql_proposal_actions"

EYES_REACTION = "eyes"

# Button values: a version prefix so a value from an older release is refused, not misread.
QUERY_REF_PREFIX = "q1:"
ANSWER_REF_PREFIX = "a1:"
