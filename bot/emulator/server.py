"""The emulator's HTTP front: Web API, files, response URLs, and the web page's endpoints."""

from __future__ import annotations

import json
import logging
import urllib.parse
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import SlackEmulator

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# What files.slack.com serves to a request without the bot token: a sign-in page, with 200.
_LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Demo</body></html>"


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: SlackEmulator, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator %s", format % args)

    # -- helpers -----------------------------------------------------------------------
    @property
    def emu(self) -> SlackEmulator:
        return self.server.emulator

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)

    def _args(self, url: urllib.parse.SplitResult, body: bytes) -> dict[str, Any]:
        args: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        content_type = (self.headers.get("Content-Type") or "").lower()
        if body and "json" in content_type:
            try:
                parsed = json.loads(body)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict):
                args.update(parsed)
        elif body and "form-urlencoded" in content_type:
            args.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()})
        return args

    # -- routing -----------------------------------------------------------------------
    def do_GET(self) -> None:
        self._route(b"")

    def do_HEAD(self) -> None:
        self._route(b"")

    def do_POST(self) -> None:
        self._route(self._body())

    def _route(self, body: bytes) -> None:
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        try:
            if parts[:1] == ["api"] and len(parts) == 2:
                self._web_api(parts[1], url, body)
            elif parts[:1] == ["files-pri"] and len(parts) >= 3:
                self._download(parts[1].split("-", 1)[-1], attachment=parts[2] == "download")
            elif parts[:2] == ["upload", "v1"] and len(parts) == 3 and self.command == "POST":
                self._upload(parts[2], body)
            elif parts[:1] == ["actions"] and len(parts) == 3 and self.command == "POST":
                self._response_url(parts[2], body)
            elif parts[:1] == ["emu"]:
                from . import ui

                status, payload = ui.handle(
                    self.emu, self.command, parts[1:], url.query, body, self.headers.get("Content-Type") or ""
                )
                if isinstance(payload, tuple):
                    data, content_type = payload
                    self._send(status, data, content_type)
                else:
                    self._json(status, payload)
            elif self.command in ("GET", "HEAD"):
                self._static("index.html" if not parts else "/".join(parts[1:]) if parts[0] == "static" else "")
            else:
                self._json(404, {"ok": False, "error": "not_found"})
        except Exception as exc:  # a bug here must show as a 500 with a reason, not kill the server thread
            log.exception("emulator failed on %s %s", self.command, self.path)
            self._json(500, {"ok": False, "error": "internal_error", "detail": f"{type(exc).__name__}: {exc}"})

    def _web_api(self, method: str, url: urllib.parse.SplitResult, body: bytes) -> None:
        result = self.emu.api.call(method, self._args(url, body), self.headers.get("Authorization"))
        self._json(result.status, result.body, result.headers)

    def _download(self, file_id: str, *, attachment: bool) -> None:
        stored = self.emu.ws.files.get(file_id)
        if self.headers.get("Authorization") != f"Bearer {self.emu.bot_token}":
            self._send(200, _LOGIN_PAGE, "text/html; charset=utf-8")
            return
        if stored is None or not stored.complete:
            self._send(404, b"Not Found", "text/plain")
            return
        headers = {"Content-Disposition": f'attachment; filename="{stored.name}"'} if attachment else {}
        self._send(200, stored.data, stored.mimetype, headers)

    def _upload(self, file_id: str, body: bytes) -> None:
        stored = self.emu.ws.files.get(file_id)
        if stored is None or stored.complete or stored.data:
            self._send(404, b"upload URL not found or already used", "text/plain")
            return
        content_type = self.headers.get("Content-Type") or ""
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            part = next(
                (p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"), None
            )
            payload = part.get_payload(decode=True) if part is not None else b""
            body = payload if isinstance(payload, bytes) else b""
        if not body:
            self._send(400, b"empty upload", "text/plain")
            return
        with self.emu.ws.lock:
            stored.data = body
            self.emu.ws.touch()
        self._send(200, f"OK - {len(body)}".encode(), "text/plain; charset=utf-8")

    def _response_url(self, key: str, body: bytes) -> None:
        target = self.emu.response_target(key)
        if target is None:
            self._json(404, {"ok": False, "error": "expired_url"})
            return
        try:
            payload = json.loads(body or b"{}")
        except json.JSONDecodeError:
            self._json(400, {"ok": False, "error": "invalid_payload"})
            return
        self.emu.respond(target, payload if isinstance(payload, dict) else {})
        self._json(200, {"ok": True})

    def _static(self, name: str) -> None:
        path = (STATIC / name).resolve()
        if not name or STATIC.resolve() not in path.parents or not path.is_file():
            self._send(404, b"Not Found", "text/plain")
            return
        self._send(200, path.read_bytes(), _STATIC_TYPES.get(path.suffix, "application/octet-stream"))
