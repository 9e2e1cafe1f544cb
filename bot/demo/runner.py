"""The bot built exactly as for production (`build_app` through `create_http_app`, served by uvicorn),
with only `SLACK_API_URL` pointing at the emulator, which delivers signed requests to the bot's
`/slack/events`. Sample documents are shared into #general so there is something to ask, then made
workspace-wide so direct messages can ask about them too.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
import webbrowser
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from bot.demo.seeding import seed_documents, share_samples_workspace_wide, welcome
from bot.emulator import SlackEmulator

if TYPE_CHECKING:
    import uvicorn

    from bot.settings import Settings
    from bot.wiring import Services

log = logging.getLogger(__name__)
DEMO_TOKEN = "xoxb-demo"
DEMO_APPROVER = "U03CAROL"  # Carol may approve anyone's SQL; requesters approve their own


@dataclass
class Demo:
    emulator: SlackEmulator
    bot_server: uvicorn.Server
    bot_url: str

    @property
    def url(self) -> str:
        return self.emulator.base_url

    def stop(self) -> None:
        try:  # let deliveries and the bot's lazy work finish before either side goes away
            self.emulator.wait_quiet(quiet_s=0.3, timeout=10)
        except TimeoutError:
            log.warning("stopping the demo while the bot is still busy")
        self.bot_server.should_exit = True
        self.emulator.stop()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def demo_settings(settings: Settings, api_url: str, signing_secret: str) -> Settings:
    """The configured settings with Slack pointed at the emulator (the rest is kept)."""
    update: dict[str, Any] = {
        "slack_api_url": api_url,
        "slack_bot_token": SecretStr(DEMO_TOKEN),
        "slack_signing_secret": SecretStr(signing_secret),
    }
    if not settings.approver_user_ids:
        update["approver_user_ids"] = DEMO_APPROVER
    return settings.model_copy(update=update)


def start_demo(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    seed: bool = True,
    services: Services | None = None,
) -> Demo:
    """Starts the emulator and the bot in background threads; returns once both answer."""
    import uvicorn

    from bot.http_app import create_http_app

    signing_secret = secrets.token_hex(16)
    emulator = SlackEmulator(signing_secret, bot_token=DEMO_TOKEN, host=host, port=port)
    emulator.start()
    bot_settings = demo_settings(settings, emulator.api_url, signing_secret)
    if services is None:
        from bot.wiring import Services

        services = Services(bot_settings)
    if services.uses_sample_database:
        services.train()  # the sample's business terms and examples, refreshed on every start
    api = create_http_app(bot_settings, services)
    bot_port = _free_port("127.0.0.1")
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=bot_port, log_level="warning"))
    threading.Thread(target=server.run, name="demo-bot", daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or (server.should_exit and not server.started):
            emulator.stop()
            raise RuntimeError(f"the bot's HTTP server did not start on 127.0.0.1:{bot_port}")
        time.sleep(0.05)
    emulator.bot_url = f"http://127.0.0.1:{bot_port}/slack/events"
    welcome(emulator, bot_settings.approvers)
    if seed:
        seed_documents(emulator)
        share_samples_workspace_wide(emulator, services.documents)
    return Demo(emulator, server, emulator.bot_url)


def run_demo(settings: Settings, host: str = "127.0.0.1", port: int = 3000, open_browser: bool = False) -> int:
    """Runs until Ctrl-C. Returns the process exit code."""
    try:
        demo = start_demo(settings, host, port)
    except OSError as exc:
        print(f"Could not start the demo on {host}:{port}: {exc.strerror or exc} (try another --port)")
        return 1
    except RuntimeError as exc:
        print(f"Could not start the demo: {exc}")
        return 1
    print(f"Open {demo.url}")
    print(f"(the bot listens on {demo.bot_url}; the sample documents are indexed — see #general)")
    if open_browser:
        webbrowser.open(demo.url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping the demo.")
    finally:
        demo.stop()
    return 0
