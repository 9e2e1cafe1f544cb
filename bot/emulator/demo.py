"""`python -m bot demo`: the real bot (HTTP entry point) talking to the local Slack emulator.

The bot is built exactly as for production (`build_app` through `create_http_app`, served by
uvicorn); only `SLACK_API_URL` points at the emulator, which delivers signed requests to the
bot's `/slack/events`. Sample documents are shared into #general so there is something to ask, then
made workspace-wide so direct messages can ask about them too.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.emulator.emulator import SlackEmulator
from bot.emulator.sample_pdf import SAMPLE_PDF_NAME

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)
SAMPLES = Path(__file__).with_name("samples")
DEMO_TOKEN = "xoxb-demo"
SEED_TIMEOUT_S = 120.0  # the first indexing loads the embedding model
DEMO_APPROVER = "U03CAROL"  # Carol may approve anyone's SQL; requesters approve their own
WELCOME = (
    "*Welcome to the demo workspace.* {bot} is in every channel.\n"
    "• Ask about the shared documents: `@{bot} how long do customers have to return an item?`\n"
    "• Ask the sample shop database: `@{bot} what is the revenue per month?` — then *Approve* the SQL\n"
    "• Share a PDF with the 📎 button (no PDF at hand? download <{pdf}|this sample>), then ask about it\n"
    "• Replies in a thread the bot answered need no mention; direct messages work too (the samples are workspace-wide)\n"
    "• Switch person in the top-left: {approvers} may approve anyone's SQL; `/ask` works too"
)


@dataclass
class Demo:
    emulator: SlackEmulator
    bot_server: Any  # uvicorn.Server
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
        return s.getsockname()[1]


def demo_settings(settings: Settings, api_url: str, signing_secret: str) -> Settings:
    """The configured settings with Slack pointed at the emulator (the rest is kept)."""
    update: dict[str, Any] = {
        "slack_api_url": api_url,
        "slack_bot_token": DEMO_TOKEN,
        "slack_signing_secret": signing_secret,
    }
    if not settings.approver_user_ids:
        update["approver_user_ids"] = DEMO_APPROVER
    return settings.model_copy(update=update)


def start_demo(settings: Settings, host: str = "127.0.0.1", port: int = 3000, *,
               seed: bool = True, services: Any = None) -> Demo:
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
    if getattr(services, "uses_sample_database", False):
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
    _welcome(emulator, bot_settings.approvers)
    if seed:
        seed_documents(emulator)
        share_samples_workspace_wide(emulator, services)
    return Demo(emulator, server, emulator.bot_url)


def _welcome(emulator: SlackEmulator, approvers: frozenset[str]) -> None:
    """A Slackbot note at the top of #general (not delivered to the bot)."""
    ws = emulator.ws
    names = sorted(f"<@{user_id}>" for user_id in approvers) or ["only the requester"]
    with ws.lock:
        general = emulator.channel("general")
        text = WELCOME.format(bot=ws.bot_name, pdf=f"{emulator.base_url}emu/samples/{SAMPLE_PDF_NAME}",
                              approvers=", ".join(names))
        ws.add_message(general, {"type": "message", "user": "USLACKBOT", "text": text,
                                 "ts": ws.next_ts(), "team": ws.team_id})


def seed_documents(emulator: SlackEmulator, channel: str = "general", user: str = "alice") -> list[str]:
    """Shares every sample file into the channel, as a person would; returns the file ids."""
    return [emulator.share_file(channel, user, path.name, path.read_bytes()).file_id
            for path in sorted(SAMPLES.iterdir()) if path.is_file()]


def share_samples_workspace_wide(emulator: SlackEmulator, services: Any, channel: str = "general",
                                 timeout_s: float = SEED_TIMEOUT_S) -> None:
    """Once the bot has indexed the shared samples, makes them answer everywhere (direct messages too).

    A document shared in a channel answers only there; in Slack an admin would run
    `python -m bot ingest --workspace-wide`, which links the already-indexed bytes (nothing is re-embedded).
    """
    try:
        for share in [m for m in emulator.messages(channel) if m.get("subtype") == "file_share"]:
            emulator.wait_for(lambda share=share: emulator.bot_messages(channel, share["ts"]), timeout_s,
                              f"the bot did not index {share['files'][0]['name']}")
        # Searchable comes first; the demo's questions are routed with the dense vectors too.
        deadline = time.monotonic() + timeout_s
        while any(r.vectors_pending for r in services.documents.list()):
            if time.monotonic() > deadline:
                raise TimeoutError("the samples' vectors were not computed in time")
            time.sleep(0.1)
    except TimeoutError as exc:  # the demo still runs; the samples answer in #general only
        log.warning("the samples stay in #general only: %s", exc)
        return
    for path in sorted(SAMPLES.iterdir()):
        if path.is_file():
            result = services.documents.ingest(path.read_bytes(), path.name, workspace_wide=True)
            if result.status == "failed":
                log.warning("could not share %s workspace-wide: %s", path.name, result.reason)


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
