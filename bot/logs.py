"""Log set-up: readable lines on a terminal, JSON lines on Lambda with the request and Slack event ids.

On Lambda the runtime has already put a handler on the root logger before our code runs, so
`logging.basicConfig` does nothing there and, left alone, the root stays at WARNING: our INFO
lines never reach CloudWatch. We set the root's level ourselves and give the runtime's handler
(which writes to CloudWatch) our JSON formatter. One JSON object per line keeps a traceback in
one CloudWatch event, and Logs Insights reads the fields without a parse rule.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log every HTTP request at INFO: at INFO they would drown our lines (and CloudWatch
# bills by the gigabyte); LOG_LEVEL=DEBUG lets them through again.
CHATTY_LIBRARIES = ("httpx", "httpcore", "pinecone", "botocore", "boto3", "urllib3")

# Set for the duration of one invocation; contextvars keep concurrent requests apart.
_request_id: ContextVar[str | None] = ContextVar("aws_request_id", default=None)
_slack_event_id: ContextVar[str | None] = ContextVar("slack_event_id", default=None)


@contextmanager
def log_context(*, request_id: str | None, slack_event_id: str | None) -> Iterator[None]:
    """Every line logged inside carries these ids."""
    tokens = (_request_id.set(request_id), _slack_event_id.set(slack_event_id))
    try:
        yield
    finally:
        _request_id.reset(tokens[0])
        _slack_event_id.reset(tokens[1])


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, ids, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # The Lambda runtime's own filter also stamps records with the request id.
        request_id = _request_id.get() or getattr(record, "aws_request_id", None)
        if request_id:
            entry["request_id"] = request_id
        event_id = _slack_event_id.get()
        if event_id:
            entry["slack_event_id"] = event_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, *, json_lines: bool) -> None:
    """Root logger at `level`; JSON lines on every root handler (adding one to stdout if none)."""
    root = logging.getLogger()
    root.setLevel(level)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING if level != "DEBUG" else logging.NOTSET)
    if json_lines:
        if not root.handlers:
            root.addHandler(logging.StreamHandler(sys.stdout))
        for handler in root.handlers:
            handler.setFormatter(JsonFormatter())
    elif not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        root.addHandler(handler)
