"""A fake Pinecone index (data plane) on 127.0.0.1 speaking the REST paths the SDK uses (stdlib only).

Usage:

    from tests.fakes.pinecone_server import FakePinecone

    with FakePinecone(dimension=384) as fake:          # starts on a free port, stops on exit
        store = PineconeVectorStore(api_key="test", host=fake.host)   # host = "http://127.0.0.1:PORT"
        fake.requests              # list of (method, path, json body or query dict)
        fake.vectors(namespace)    # {id: {"values": [...], "metadata": {...}}}
        fake.fail_next(503)        # the next request answers this status

Paths: POST /vectors/upsert, POST /query (cosine; filters $eq $ne $in $nin $gt $gte $lt $lte
$and $or, list-valued metadata matches $eq/$in on any element), GET /vectors/fetch,
POST /vectors/delete (ids / filter / deleteAll), POST /describe_index_stats.
Upserts whose vectors do not have the index dimension are refused with 400, like Pinecone.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


def _matches(metadata: dict, flt: dict | None) -> bool:
    if not flt:
        return True
    for key, cond in flt.items():
        if key == "$and":
            if not all(_matches(metadata, c) for c in cond):
                return False
        elif key == "$or":
            if not any(_matches(metadata, c) for c in cond):
                return False
        else:
            if not isinstance(cond, dict):
                cond = {"$eq": cond}
            if not all(_op(metadata.get(key), op, arg) for op, arg in cond.items()):
                return False
    return True


def _op(value: Any, op: str, arg: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    present = value is not None
    if op == "$eq":
        return present and arg in values
    if op == "$ne":
        return not present or arg not in values
    if op == "$in":
        return present and any(v in arg for v in values)
    if op == "$nin":
        return not present or not any(v in arg for v in values)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        return {"$gt": value > arg, "$gte": value >= arg, "$lt": value < arg, "$lte": value <= arg}[op]
    raise ValueError(f"unsupported operator {op}")


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class FakePinecone:
    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self.requests: list[tuple[str, str, Any]] = []
        self._data: dict[str, dict[str, dict]] = {}
        self._failures: deque[int] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakePinecone:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakePinecone:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def fail_next(self, status: int, times: int = 1) -> None:
        self._failures.extend([status] * times)

    def vectors(self, namespace: str = "") -> dict[str, dict]:
        with self._lock:
            return json.loads(json.dumps(self._data.get(namespace, {})))

    # --- routes -----------------------------------------------------------------------------

    def _route(self, method: str, path: str, body: Any) -> tuple[int, dict]:
        if self._failures:
            return self._failures.popleft(), {"code": 13, "message": "fake failure", "details": []}
        if method == "POST" and path == "/vectors/upsert":
            return self._upsert(body)
        if method == "POST" and path == "/query":
            return self._query(body)
        if method == "GET" and path == "/vectors/fetch":
            return self._fetch(body)
        if method == "POST" and path == "/vectors/delete":
            return self._delete(body)
        if method == "POST" and path == "/describe_index_stats":
            return self._stats()
        return 404, {"code": 5, "message": f"no route {method} {path}", "details": []}

    def _upsert(self, body: dict) -> tuple[int, dict]:
        ns = self._data.setdefault(body.get("namespace", ""), {})
        vectors = body.get("vectors", [])
        for v in vectors:
            if len(v["values"]) != self.dimension:
                return 400, {
                    "code": 3,
                    "message": f"Vector dimension {len(v['values'])} does not match "
                    f"the dimension of the index {self.dimension}",
                    "details": [],
                }
        for v in vectors:
            ns[v["id"]] = {"values": v["values"], "metadata": v.get("metadata") or {}}
        return 200, {"upsertedCount": len(vectors)}

    def _query(self, body: dict) -> tuple[int, dict]:
        ns = self._data.get(body.get("namespace", ""), {})
        vector, flt = body["vector"], body.get("filter")
        scored = [
            (_cosine(vector, rec["values"]), id_, rec) for id_, rec in ns.items() if _matches(rec["metadata"], flt)
        ]
        scored.sort(key=lambda t: -t[0])
        matches = []
        for score, id_, rec in scored[: body.get("topK", 10)]:
            match: dict = {"id": id_, "score": score}
            if body.get("includeMetadata"):
                match["metadata"] = rec["metadata"]
            if body.get("includeValues"):
                match["values"] = rec["values"]
            matches.append(match)
        return 200, {"matches": matches, "namespace": body.get("namespace", "")}

    def _fetch(self, query: dict) -> tuple[int, dict]:
        namespace = query.get("namespace", [""])[0]
        ns = self._data.get(namespace, {})
        found = {i: {"id": i, **ns[i]} for i in query.get("ids", []) if i in ns}
        return 200, {"vectors": found, "namespace": namespace}

    def _delete(self, body: dict) -> tuple[int, dict]:
        ns = self._data.get(body.get("namespace", ""), {})
        if body.get("deleteAll"):
            ns.clear()
        elif "ids" in body:
            for i in body["ids"]:
                ns.pop(i, None)
        elif "filter" in body:
            for i in [i for i, rec in ns.items() if _matches(rec["metadata"], body["filter"])]:
                del ns[i]
        return 200, {}

    def _stats(self) -> tuple[int, dict]:
        namespaces = {name: {"vectorCount": len(recs)} for name, recs in self._data.items() if recs}
        return 200, {
            "namespaces": namespaces,
            "dimension": self.dimension,
            "indexFullness": 0.0,
            "totalVectorCount": sum(n["vectorCount"] for n in namespaces.values()),
        }

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method: str) -> None:
                url = urlparse(self.path)
                if method == "GET":
                    body: Any = parse_qs(url.query)
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                with fake._lock:
                    fake.requests.append((method, url.path, body))
                    status, payload = fake._route(method, url.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

            def log_message(self, *args) -> None:
                pass

        return Handler
