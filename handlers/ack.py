"""The acknowledgement every lazy listener shares: Slack hears back at once, work comes later."""

from __future__ import annotations

from slack_bolt import Ack


def acknowledge(ack: Ack) -> None:
    ack()
