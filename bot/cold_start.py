"""`bench cold-start`: what a new Lambda instance does before it answers its first request.

Each repeat runs in a fresh interpreter: import the handler module, build the services and the
Bolt app behind the Lambda adapter, then handle one signed Function URL event (Slack's
url_verification, which needs no Web API call). The event is answered through the same
`bot.lambda_handler` path Lambda uses; nothing leaves this machine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from typing import Any

TARGET_S = 1.0
HEAVY_MODULES = ("docling", "onnxruntime", "pandas", "vanna", "matplotlib", "numpy", "openai", "pinecone")

_PROBE = r"""
import json, sys, time
start = time.perf_counter()
import bot.lambda_handler as lh
imported = time.perf_counter()
from slack_sdk.signature import SignatureVerifier
from bot.settings import Settings
from bot.wiring import Services
settings = Settings(_env_file=None, DATA_DIR={data_dir!r}, SLACK_SIGNING_SECRET="cold-start",
                    SLACK_BOT_TOKEN="xoxb-cold")
services = Services(settings)
handle = lh.build_lambda_handler(settings, services)
built = time.perf_counter()
body = json.dumps({{"token": "t", "challenge": "cold-start-challenge", "type": "url_verification"}})
now = str(int(time.time()))
signature = SignatureVerifier("cold-start").generate_signature(timestamp=now, body=body)
event = {{"version": "2.0", "rawPath": "/slack/events", "rawQueryString": "", "body": body, "isBase64Encoded": False,
         "headers": {{"content-type": "application/json", "x-slack-request-timestamp": now,
                     "x-slack-signature": signature}},
         "requestContext": {{"http": {{"method": "POST", "path": "/slack/events"}}, "requestId": "cold-start"}}}}
class Context:
    aws_request_id = "cold-start"
    function_name = "docbot"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:docbot"
response = handle(event, Context())
answered = time.perf_counter()
assert response["statusCode"] == 200 and "cold-start-challenge" in response["body"], response
print(json.dumps({{"import_s": imported - start, "app_build_s": built - imported, "first_event_s": answered - built,
                  "total_s": answered - start, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def measure_cold_start(repeats: int = 3) -> dict[str, Any]:
    """Median seconds of each phase over `repeats` fresh interpreters, and the heavy modules loaded."""
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="cold-start-") as data_dir:
            code = _PROBE.format(data_dir=data_dir, heavy=HEAVY_MODULES)
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the cold-start probe failed: {done.stderr.strip().splitlines()[-1:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    phases = ("import_s", "app_build_s", "first_event_s", "total_s")
    median = {phase: round(statistics.median(run[phase] for run in runs), 3) for phase in phases}
    return {
        "cold_start_s": median,
        "repeats": repeats,
        "target_total_s": TARGET_S,
        "within_target": median["total_s"] < TARGET_S,
        "heavy_modules_loaded": runs[-1]["heavy"],
        "python": sys.version.split()[0],
    }
