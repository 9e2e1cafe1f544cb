"""A fake OpenAI API on 127.0.0.1 speaking the real wire format (stdlib only).

Usage:

    from tests.fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as fake:                       # starts on a free port, stops on exit
        client = openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=5)
        fake.chat_replies.append("Paris [1].")       # queued replies, used first-in first-out
        fake.chat_handler = lambda body: "..."       # or compute a reply from the request JSON
        fake.fail_next(500, "boom")                  # the next request (any path) answers this error
        fake.delay_s = 2.0                           # sleep before answering (timeout tests)
        fake.chat_total_tokens = 500                 # the usage.total_tokens each chat reply reports
        fake.requests                                # list[RecordedRequest(path, headers, body)], headers lower-cased
        fake.chat_requests()                         # request bodies sent to /chat/completions

Chat: `POST /v1/chat/completions`. The reply is the first queued `chat_replies` entry, else
`chat_handler(body)`, else "fake reply". A reply may be a str (the message content) or a
`(status, json_body)` tuple sent as-is.

Embeddings: `POST /v1/embeddings`. Vectors come from `embed_handler(texts, model)` if set, else a
deterministic unit vector per text (seeded by its sha256) of the model's dimension
(`dimensions` in the request, else 1536 for *-small/ada, 3072 for *-large). Answers in base64
little-endian float32 when the request says `encoding_format: "base64"` (the SDK's default),
else lists of floats.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict


def deterministic_vector(text: str, dimension: int) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


def _model_dimension(model: str) -> int:
    return 3072 if "large" in model else 1536


class FakeOpenAI:
    def __init__(self) -> None:
        self.chat_replies: deque[str | tuple[int, dict]] = deque()
        self.chat_handler: Callable[[dict], str | tuple[int, dict]] | None = None
        self.embed_handler: Callable[[list[str], str], list[list[float]]] | None = None
        self.delay_s = 0.0
        self.chat_total_tokens = 2
        self.requests: list[RecordedRequest] = []
        self._failures: deque[tuple[int, str]] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def fail_next(self, status: int, message: str = "fake failure", times: int = 1) -> None:
        for _ in range(times):
            self._failures.append((status, message))

    def chat_requests(self) -> list[dict]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    def embedding_requests(self) -> list[dict]:
        return [r.body for r in self.requests if r.path.endswith("/embeddings")]

    # --- request handling -------------------------------------------------------------------

    def _respond(self, path: str, body: dict) -> tuple[int, dict]:
        if self._failures:
            status, message = self._failures.popleft()
            return status, {"error": {"message": message, "type": "fake_error", "code": None}}
        if path.endswith("/chat/completions"):
            return self._chat(body)
        if path.endswith("/embeddings"):
            return self._embeddings(body)
        return 404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}}

    def _chat(self, body: dict) -> tuple[int, dict]:
        if self.chat_replies:
            reply = self.chat_replies.popleft()
        elif self.chat_handler is not None:
            reply = self.chat_handler(body)
        else:
            reply = "fake reply"
        if isinstance(reply, tuple):
            return reply
        return 200, {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}],
            "usage": {
                "prompt_tokens": self.chat_total_tokens - 1,
                "completion_tokens": 1,
                "total_tokens": self.chat_total_tokens,
            },
        }

    def _embeddings(self, body: dict) -> tuple[int, dict]:
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        model = body.get("model", "text-embedding-3-small")
        if self.embed_handler is not None:
            vectors = self.embed_handler(texts, model)
        else:
            dimension = body.get("dimensions") or _model_dimension(model)
            vectors = [deterministic_vector(t, dimension) for t in texts]
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for i, vector in enumerate(vectors):
            value = (
                base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")
                if as_base64
                else list(vector)
            )
            data.append({"object": "embedding", "index": i, "embedding": value})
        return 200, {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 1, "total_tokens": 1}}

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # stdlib naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                with fake._lock:
                    fake.requests.append(
                        RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status, payload = fake._respond(self.path, body)
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args) -> None:
                pass

        return Handler
