"""The emulator's web page in a real headless Chromium (Debian's package) driven by Playwright.

A person types a mention, the signed event reaches a real Bolt app over HTTP, its Block Kit
answer (mrkdwn, table, buttons) is drawn, a click goes back as block_actions, a PNG upload
shows as an image, and a modal submission reaches the app.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot.emulator import SlackEmulator
from tests.support.bolt_host import BoltHost

CHROMIUM = Path("/usr/bin/chromium")
SECRET = "browser-test-secret"
TOKEN = "xoxb-browser"
SCREENSHOT = os.environ.get("EMULATOR_SCREENSHOT", "")  # set to a path to keep a picture of the page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)"),
]


def launch_chromium(pw: Any) -> Any:
    """Debian's headless Chromium, kept off the network beyond the local pages under test."""
    return pw.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    )


def tiny_png(width: int = 96, height: int = 48) -> bytes:
    """A small solid-colour PNG, written by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x4a\x15\x4b" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def answer_blocks(question: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    f"*Answer* to _{question}_ with `code` and <https://example.com|a link>\n"
                    "• first point\n• second &lt;script&gt;x&lt;/script&gt; &amp; co"
                ),
            },
        },
        {
            "type": "table",
            "rows": [
                [{"type": "raw_text", "text": "region"}, {"type": "raw_text", "text": "total"}],
                [{"type": "raw_text", "text": "EMEA"}, {"type": "raw_text", "text": "1200"}],
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Sources: [1] handbook.pdf p. 3"}]},
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "approval",
            "elements": [
                {
                    "type": "button",
                    "action_id": "sql_approve",
                    "style": "primary",
                    "value": "q1",
                    "text": {"type": "plain_text", "text": "Approve"},
                },
                {
                    "type": "button",
                    "action_id": "sql_edit",
                    "value": "q1",
                    "text": {"type": "plain_text", "text": "Edit"},
                },
                {
                    "type": "button",
                    "action_id": "sql_reject",
                    "style": "danger",
                    "value": "q1",
                    "text": {"type": "plain_text", "text": "Reject"},
                },
            ],
        },
    ]


def build_bot(api_url: str, submitted: list[str]) -> App:
    app = App(client=WebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET, process_before_response=True)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Any) -> None:
        question = event["text"].replace("<@UBOT>", "").strip()
        say(text=f"Answer to {question}", blocks=answer_blocks(question), thread_ts=event["ts"])

    @app.event("message")
    def on_message() -> None:
        pass

    @app.event("file_shared")
    def on_file() -> None:
        pass

    @app.action("sql_approve")
    def approve(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_update(
            channel=body["channel"]["id"],
            ts=body["container"]["message_ts"],
            text=f"Approved by <@{body['user']['id']}>",
            blocks=[
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": f":white_check_mark: Approved by <@{body['user']['id']}>"},
                }
            ],
        )

    @app.action("sql_edit")
    def edit(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "edit_sql",
                "title": {"type": "plain_text", "text": "Edit SQL"},
                "submit": {"type": "plain_text", "text": "Save"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "sql",
                        "label": {"type": "plain_text", "text": "SQL"},
                        "element": {
                            "type": "plain_text_input",
                            "action_id": "text",
                            "multiline": True,
                            "initial_value": "SELECT 1",
                        },
                    }
                ],
            },
        )

    @app.view("edit_sql")
    def on_submit(ack: Any, view: dict[str, Any]) -> None:
        submitted.append(view["state"]["values"]["sql"]["text"]["value"])
        ack()

    return app


@pytest.fixture
def page_and_emulator() -> Iterator[tuple[Any, SlackEmulator, list[str]]]:
    sync_api = pytest.importorskip("playwright.sync_api")
    emu = SlackEmulator(SECRET, bot_token=TOKEN)
    emu.start()
    submitted: list[str] = []
    host = BoltHost(build_bot(emu.api_url, submitted))
    emu.bot_url = host.start()
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(emu.base_url)
        yield page, emu, submitted
        browser.close()
        assert errors == [], f"JavaScript errors on the page: {errors}"
    host.stop()
    emu.stop()


def test_mention_answer_buttons_upload_and_modal(page_and_emulator: tuple[Any, SlackEmulator, list[str]]) -> None:
    from playwright.sync_api import expect

    page, emu, submitted = page_and_emulator
    expect(page.get_by_test_id("channel-title")).to_contain_text("general")

    page.get_by_test_id("composer-text").fill("@DocBot what were sales by region?")
    page.get_by_test_id("composer-text").press("Enter")
    expect(page.get_by_test_id("messages").get_by_text("what were sales by region?")).to_be_visible()
    emu.wait_for(lambda: emu.deliveries("app_mention"), timeout=10)
    assert emu.deliveries("app_mention")[0].ok

    page.get_by_test_id("open-thread").click()
    thread = page.get_by_test_id("thread-messages")
    answer = thread.get_by_test_id("bot-message")
    expect(answer.locator("b", has_text="Answer")).to_be_visible()
    expect(answer.locator("code", has_text="code")).to_be_visible()
    expect(answer.get_by_role("link", name="a link")).to_have_attribute("href", "https://example.com")
    expect(answer.get_by_text("<script>x</script> & co")).to_be_visible()  # Slack-escaped text shown as text
    assert page.locator("script").count() == 3
    expect(answer.get_by_test_id("block-table").locator("td", has_text="EMEA")).to_be_visible()
    expect(answer.locator("button[data-action-id=sql_reject]")).to_have_text("Reject")

    upload = page.get_by_test_id("file-input")
    upload.set_input_files(files=[{"name": "chart.png", "mimeType": "image/png", "buffer": tiny_png()}])
    expect(page.get_by_test_id("messages").locator("img[alt='chart.png']")).to_be_visible()
    emu.wait_for(lambda: emu.deliveries("file_shared"), timeout=10)

    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT)

    answer.locator("button[data-action-id=sql_edit]").click()
    modal = page.get_by_test_id("modal")
    expect(modal.locator("textarea")).to_have_value("SELECT 1")
    assert "null" not in modal.inner_text()
    modal.locator("textarea").fill("SELECT 2")
    modal.get_by_test_id("modal-submit").click()
    expect(modal).to_be_hidden()
    assert submitted == ["SELECT 2"]

    answer.locator("button[data-action-id=sql_approve]").click()
    expect(thread.get_by_text("Approved by @alice")).to_be_visible()
    click = emu.deliveries("block_actions sql_approve")[0]
    assert click.ok and "sql_approve" in click.body


@pytest.fixture
def demo_page(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The real demo (our bot under uvicorn + the emulator) in the browser."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from bot.demo import start_demo
    from bot.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path, openai_api_key="", redis_url="", database_url="")
    demo = start_demo(settings, "127.0.0.1", 0)
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(demo.url)
        yield page, demo
        browser.close()
    demo.stop()


def test_newcomer_flow_pdf_question_and_approved_sql(demo_page: tuple[Any, Any]) -> None:
    """The README's promise: share a PDF, ask about it, ask a data question and approve it."""
    from playwright.sync_api import expect

    from bot.emulator.sample_pdf import SAMPLE_PDF_NAME, sample_pdf

    page, demo = demo_page
    expect(page.get_by_text("Welcome to the demo workspace.")).to_be_visible()

    page.get_by_test_id("channel-data").click()
    page.get_by_test_id("file-input").set_input_files(
        files=[{"name": SAMPLE_PDF_NAME, "mimeType": "application/pdf", "buffer": sample_pdf()}]
    )
    page.get_by_test_id("open-thread").first.click(timeout=60_000)
    thread = page.get_by_test_id("thread-messages")
    expect(thread.get_by_text(f"Indexed {SAMPLE_PDF_NAME}")).to_be_visible(timeout=60_000)
    page.get_by_test_id("thread-text").fill("@DocBot what is the hotel limit in Paris?")
    page.get_by_test_id("thread-text").press("Enter")
    expect(thread.get_by_test_id("bot-message").filter(has_text="220 EUR")).to_be_visible(timeout=60_000)

    page.get_by_test_id("channel-general").click()
    page.get_by_test_id("composer-text").fill("@DocBot what is the revenue per month?")
    page.get_by_test_id("composer-text").press("Enter")
    page.get_by_test_id("messages").get_by_test_id("message").filter(has_text="revenue per month").get_by_test_id(
        "open-thread"
    ).click(timeout=60_000)
    approve = thread.locator("button[data-action-id=sql_approve]")
    expect(approve).to_be_visible(timeout=60_000)
    approve.click()
    expect(thread.get_by_test_id("block-table").first).to_be_visible(timeout=60_000)
    expect(thread.get_by_test_id("file-link").filter(has_text=".csv")).to_be_visible(timeout=60_000)
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT.replace(".png", "-demo.png"))
    assert not [d for d in demo.emulator.deliveries() if not d.ok]
