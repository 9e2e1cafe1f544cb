"""A minimal stdlib HTTP host for a Bolt `App`, for tests that need a real endpoint fast.

Each POST becomes `App.dispatch(BoltRequest(...))`, the path Bolt's own adapters take.
The product serves Bolt through FastAPI (bot/http_app.py); this exists so emulator tests
can run against a small Bolt app without starting uvicorn.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slack_bolt import App


class BoltHost(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.app = app

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/slack/events"

    def start(self) -> str:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: BoltHost

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        from slack_bolt.request import BoltRequest

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        headers = {k.lower(): [v] for k, v in self.headers.items()}
        response = self.server.app.dispatch(BoltRequest(body=body, headers=headers))
        data = (response.body or "").encode()
        self.send_response(response.status)
        for name, values in response.headers.items():
            for value in values:
                if name.lower() != "content-length":
                    self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
