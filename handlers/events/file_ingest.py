"""A file shared into a channel: download it with the bot token, index it once, say what happened.

Slack announces one share twice (a `message` with subtype `file_share` and a `file_shared` event);
whichever arrives first claims the file in the key-value store and the other does nothing.

The reply comes as soon as the file is searchable ("Indexed … — searchable now, fully indexed in
~N s"); the same message is then updated while its dense vectors are computed (every few seconds
on large files) and once they are done.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from core.documents.models import IngestProgress, IngestResult
from core.errors import DocBotError
from handlers.services import BotServices
from handlers.state.dedup import claim_file, finish_file, release_file
from handlers.state.thread_memory import record_activity, remember_thread
from handlers.ui.format import escape
from handlers.ui.progress import post_failure, working_on

DOWNLOAD_TIMEOUT_S = 60
PROGRESS_UPDATE_S = 5.0  # at most one progress edit of the reply this often


class FileDownloadError(DocBotError):
    """The file's bytes could not be fetched from Slack; the message says why."""

    what = "The file could not be downloaded from Slack"


def download(url: str, token: str, max_bytes: int, *, html_expected: bool = False) -> bytes:
    """The file's bytes; a login page (missing token or files:read scope) is an error, not a document."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
            if "text/html" in response.headers.get("Content-Type", "") and not html_expected:
                raise FileDownloadError(
                    "Slack sent a login page instead of the file (does the app have the files:read scope?)"
                )
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FileDownloadError(f"Slack answered HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise FileDownloadError(f"the download failed ({exc.reason})") from exc
    if len(data) > max_bytes:
        raise FileDownloadError(f"the file is larger than the {max_bytes // (1024 * 1024)} MB limit")
    return data


def _share_ts(file: dict[str, Any], channel: str) -> str | None:
    """The ts of the message that shared this file in `channel`, to reply in its thread."""
    shares = file.get("shares") or {}
    for visibility in ("public", "private"):
        for share in (shares.get(visibility) or {}).get(channel) or []:
            ts = share.get("ts")
            if isinstance(ts, str) and ts:
                return ts
    return None


def ingest_shared_file(
    services: BotServices,
    client: WebClient,
    logger: logging.Logger,
    *,
    file_id: str,
    channel: str,
    team_id: str,
    file: dict[str, Any] | None = None,
    share_ts: str | None = None,
) -> None:
    """Index the file: reply once it is searchable (and mark it done for the twin share event),
    then compute its vectors in this call, editing the reply as they come."""
    try:
        lease = claim_file(services.kv, channel, file_id)
    except Exception:  # the store is down: indexing twice (idempotent by content) beats never indexing
        logger.warning("could not claim file %s; indexing it without a claim", file_id, exc_info=True)
        unclaimed = _ingest_claimed(services, client, logger, file_id, channel, team_id, file, share_ts)
        if unclaimed is not None:
            unclaimed()
        return
    if lease is None:
        logger.info("file %s in %s already handled by the other share event", file_id, channel)
        return
    finish: Callable[[], None] | None = None
    try:
        with lease.kept_alive():
            finish = _ingest_claimed(services, client, logger, file_id, channel, team_id, file, share_ts)
    finally:
        # A failure must not block the file for a day: sharing it again retries. Searchable counts as done.
        try:
            finish_file(lease) if finish is not None else release_file(lease)
        except Exception:  # the lease then simply expires
            logger.warning("could not record the outcome of file %s", file_id, exc_info=True)
    if finish is not None:
        finish()


def _ingest_claimed(
    services: BotServices,
    client: WebClient,
    logger: logging.Logger,
    file_id: str,
    channel: str,
    team_id: str,
    file: dict[str, Any] | None,
    share_ts: str | None,
) -> Callable[[], None] | None:
    """Download, make searchable and say so; None on failure, else what completes the vectors."""
    try:
        if not file or not file.get("url_private_download") or file.get("file_access") == "check_file_info":
            file = client.files_info(file=file_id)["file"]
    except Exception as exc:
        post_failure(client, channel, share_ts, f"read the shared file {escape(file_id)}", exc, logger)
        return None
    name = file.get("name") or file.get("title") or file_id
    thread_ts = share_ts or _share_ts(file, channel)
    max_bytes = int(services.settings.max_file_mb * 1024 * 1024)
    finish: Callable[[], None] | None = None
    result: IngestResult | None = None
    with working_on(client, channel, thread_ts, logger):
        try:
            if int(file.get("size") or 0) > max_bytes:
                message = (
                    f"Could not index {escape(name)}: it is larger than the {services.settings.max_file_mb:g} MB limit."
                )
            else:
                url = file.get("url_private_download") or file.get("url_private")
                if not url:
                    raise FileDownloadError("Slack gave no download address for it")
                html = "html" in (file.get("mimetype") or file.get("filetype") or "")
                data = download(url, client.token or "", max_bytes, html_expected=html)
                result = services.documents.ingest(data, name, channel=channel, team_id=team_id, defer_vectors=True)
                message = escape(result.message)
                record_activity(services, "file", result.message, channel=channel, user=file.get("user", ""))
            if thread_ts:
                remember_thread(services, channel, thread_ts)
            posted = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message)
            if result is not None and result.ok:
                finish = _finisher(services, client, logger, channel, posted.get("ts"), result)
        except Exception as exc:
            post_failure(client, channel, thread_ts, f"index {escape(name)}", exc, logger)
    return finish


def _finisher(
    services: BotServices,
    client: WebClient,
    logger: logging.Logger,
    channel: str,
    reply_ts: str | None,
    result: IngestResult,
) -> Callable[[], None]:
    """Computes the document's vectors, editing the reply with progress and the outcome."""

    def finish() -> None:
        if not result.pending_chunks or result.doc_id is None:
            return
        last = [time.monotonic()]

        def edit(text: str) -> None:
            if reply_ts:
                try:
                    client.chat_update(channel=channel, ts=reply_ts, text=text)
                except Exception:  # progress is a nicety; the outcome is logged either way
                    logger.warning("could not update the indexing reply in %s", channel, exc_info=True)

        def progress(event: IngestProgress) -> None:
            now = time.monotonic()
            if event.stage != "embedding" or now - last[0] < PROGRESS_UPDATE_S:
                return
            last[0] = now
            share = round(100 * event.embedded / max(event.chunks, 1))
            left = f", ~{max(1, round(event.eta_s))} s left" if event.eta_s else ""
            edit(
                f"{escape(result.message.split(' — searchable now')[0])} — searchable now; "
                f"computing vectors {share}%{left}"
            )

        done = services.documents.complete_vectors(result.doc_id, progress=progress)
        if done.ok:
            edit(f"{escape(done.message)} (fully indexed)")
        else:
            logger.warning("vectors of %s failed: %s", result.file_name, done.reason)
            edit(f":warning: Could not finish indexing {escape(result.file_name)}: {escape(done.reason or 'unknown')}")

    return finish
