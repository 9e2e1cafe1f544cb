"""One family for every error the product can explain to the person who asked.

Each kind of failure says what failed in one sentence (`what`, a class attribute: the same for
every instance of the kind); the instance's message is the detail, often the dependency's own
words ("connection refused", "dim 384 vs 1536"). Front ends (Slack, the CLI, the REST API) show
`user_message`, or `what` and `detail` separately; they tell kinds apart with isinstance, so
renaming a class can never silently change what people read.
"""

from __future__ import annotations

from typing import ClassVar


class DocBotError(Exception):
    """Base of the family: `what` failed, because of `detail` (the message)."""

    what: ClassVar[str] = "Something went wrong"

    @property
    def detail(self) -> str:
        return str(self).strip()

    @property
    def user_message(self) -> str:
        """What failed and why, as one sentence for the person who asked."""
        return f"{self.what}: {self.detail}" if self.detail else f"{self.what}."
