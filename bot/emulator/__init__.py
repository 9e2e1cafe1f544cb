"""A local Slack workspace (Web API, signed event delivery, Socket Mode, web page) for tests and the demo.

Self-contained: it imports only the standard library and `websockets` (relative imports inside),
never the bot, `core` or `handlers`; `python -m bot demo` (bot/demo) glues the two together.
"""

from __future__ import annotations

from .delivery import Delivery
from .emulator import SharedFile, SlackEmulator
from .web_api import ApiCall, ApiResult

__all__ = ["ApiCall", "ApiResult", "Delivery", "SharedFile", "SlackEmulator"]
