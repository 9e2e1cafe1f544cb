"""One answer per event: duplicate deliveries are acknowledged (200) and dropped.

Slack retries an event when the first delivery was slow or failed (`X-Slack-Retry-Num`), and a
shared file arrives twice (a `message` with subtype `file_share` and a `file_shared` event). The
marks live in the shared key-value store with a TTL, so every process and Lambda instance sees
them. A dropped duplicate must still be acknowledged: a middleware that returns nothing makes Bolt
answer 404, which Slack treats as a failure and retries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltRequest, BoltResponse

from core.cache.lease import Lease, lease_state
from handlers.ui.ids import SQL_EDIT_ACTION_ID

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore

EVENT_TTL_S = 24 * 3600  # Slack's last retry comes ~5 minutes later; a day is generous
FILE_TTL_S = 24 * 3600  # how long an indexed file's later announcements stay dropped
FILE_LEASE_S = 30.0  # "ingesting" lasts this long past the last sign of life of whoever ingests
# After a failed ingestion the claim lasts only this long: long enough to drop the other
# announcement of the same share, short enough that sharing the file again retries it.
FILE_RETRY_AFTER_S = 10.0
FILE_WAIT_S = 120.0  # a question sent with a file waits this long for another event's ingestion
FILE_POLL_S = 0.25
FILE_INGESTING, FILE_DONE, FILE_FAILED = "ingesting", "done", "failed"
CLICK_TTL_S = 10  # a double click; core's approval state machine guards beyond that
# Opening the Edit modal again (after closing it) is a new intent, not a duplicate.
REPEATABLE_ACTIONS = frozenset({SQL_EDIT_ACTION_ID})


def delivery_key(body: dict[str, Any]) -> tuple[str, float] | None:
    """The dedup key and TTL for one request body, or None when it is never deduplicated."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"slack:event:{body['event_id']}", EVENT_TTL_S
    if body.get("type") == "block_actions":
        action = (body.get("actions") or [{}])[0].get("action_id", "")
        if action in REPEATABLE_ACTIONS:
            return None
        message_ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts", "")
        user = (body.get("user") or {}).get("id", "")
        return f"slack:click:{action}:{message_ts}:{user}", CLICK_TTL_S
    return None


def _is_lazy_reinvocation(req: BoltRequest) -> bool:
    # On Lambda the lazy half comes back as a second request with the same body: not a duplicate.
    return bool(req.headers.get("x-slack-bolt-lazy-only"))


def dedup_middleware(kv: KeyValueStore) -> Callable[..., BoltResponse]:
    def deduplicate_deliveries(
        req: BoltRequest, body: dict[str, Any], logger: logging.Logger, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        key = None if _is_lazy_reinvocation(req) else delivery_key(body)
        if key is None:
            return next()
        name, ttl_s = key
        try:
            duplicate = not kv.add(name, "1", ttl_s=ttl_s)
        except Exception:  # the store is down: answering twice beats never answering
            logger.warning("dedup store unavailable; processing %s without a duplicate check", name, exc_info=True)
            duplicate = False
        if duplicate:
            retries = req.headers.get("x-slack-retry-num") or []
            logger.info("duplicate delivery %s (retry %s): acknowledged, not processed", name, retries[:1])
            return BoltResponse(status=200, body="")
        return next()

    return deduplicate_deliveries


def _file_key(channel: str, file_id: str) -> str:
    return f"slack:file:{channel}:{file_id}"


def claim_file(kv: KeyValueStore, channel: str, file_id: str, lease_s: float = FILE_LEASE_S) -> Lease | None:
    """The lease for the first of the events announcing this file in this channel (it then ingests it).

    The lease is short and renewed while ingesting (Lease.kept_alive), so a killed worker frees
    the file within one lease instead of leaving it "ingesting" for a day.
    """
    return Lease.acquire(kv, _file_key(channel, file_id), FILE_INGESTING, lease_s)


def finish_file(lease: Lease) -> None:
    """The claimed file is indexed: later announcements of it stay dropped."""
    lease.release(FILE_DONE, ttl_s=FILE_TTL_S)


def release_file(lease: Lease) -> None:
    """The claimed file failed: sharing it again retries once the twin event of this share is past."""
    lease.release(FILE_FAILED, ttl_s=FILE_RETRY_AFTER_S)


def wait_for_file(kv: KeyValueStore, channel: str, file_id: str, timeout_s: float = FILE_WAIT_S) -> bool:
    """Waits while another event ingests this file; True once it is no longer being ingested."""
    deadline = time.monotonic() + timeout_s
    while lease_state(kv.get(_file_key(channel, file_id))) == FILE_INGESTING:
        if time.monotonic() > deadline:
            return False
        time.sleep(FILE_POLL_S)
    return True
