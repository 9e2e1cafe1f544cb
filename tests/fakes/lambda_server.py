"""A fake AWS Lambda Invoke endpoint on 127.0.0.1 (stdlib only): what boto3's `lambda.invoke` calls.

moto's Lambda runs invocations in Docker, which these machines lack; this records them instead.

    with FakeLambda() as fake:                       # AWS_ENDPOINT_URL_LAMBDA=fake.url for boto3
        fake.invocations                             # [{"function": ..., "type": "Event", "payload": {...}}]
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


class FakeLambda:
    def __init__(self) -> None:
        self.invocations: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name for the POST handler
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                match = _INVOKE.match(self.path.split("?")[0])
                if not match:
                    self._answer(404, {"Message": f"no route {self.path}"})
                    return
                kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
                fake.invocations.append(
                    {"function": unquote(match["name"]), "type": kind, "payload": json.loads(body or b"null")}
                )
                self._answer(202 if kind == "Event" else 200, {})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeLambda:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
