"""`python -m bot demo`: the real bot (HTTP entry point) talking to the local Slack emulator.

This package is the glue: the emulator (bot/emulator) knows nothing of the bot, and the bot's
runtime never imports either; neither ships in the container image.
"""

from __future__ import annotations

from bot.demo.runner import Demo, run_demo, start_demo
from bot.demo.seeding import SAMPLES

__all__ = ["SAMPLES", "Demo", "run_demo", "start_demo"]
