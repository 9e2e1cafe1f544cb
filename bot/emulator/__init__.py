"""A local Slack workspace (Web API, signed event delivery, web page) for tests and the demo."""

from __future__ import annotations

from bot.emulator.delivery import Delivery
from bot.emulator.emulator import SharedFile, SlackEmulator
from bot.emulator.web_api import ApiCall

__all__ = ["ApiCall", "Delivery", "SharedFile", "SlackEmulator"]
