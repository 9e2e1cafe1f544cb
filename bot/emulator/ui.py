"""JSON endpoints behind the emulator's web page (`/emu/...`).

The page polls `GET /emu/state` and acts through small POSTs that call the same
`SlackEmulator` methods tests use, so the browser exercises exactly the tested paths.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING, Any

from .sample_pdf import SAMPLE_PDF_NAME, sample_pdf

if TYPE_CHECKING:
    from .emulator import SlackEmulator

Reply = tuple[int, Any]


def handle(emu: SlackEmulator, verb: str, parts: list[str], query: str, body: bytes, content_type: str) -> Reply:
    params = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
    try:
        if verb in ("GET", "HEAD") and parts == ["state"]:
            return 200, state(emu, params)
        if verb in ("GET", "HEAD") and len(parts) >= 2 and parts[0] == "files":
            stored = emu.ws.files.get(parts[1])
            if stored is None or not stored.complete:
                return 404, {"ok": False, "error": "file_not_found"}
            return 200, (stored.data, stored.mimetype)
        if verb in ("GET", "HEAD") and parts == ["samples", SAMPLE_PDF_NAME]:
            return 200, (sample_pdf(), "application/pdf")
        if verb == "POST" and parts == ["upload"]:
            shared = emu.share_file(
                params["channel"],
                params["user"],
                params["name"],
                body,
                thread_ts=params.get("thread_ts") or None,
                text=params.get("text", ""),
            )
            return 200, {"ok": True, "file_id": shared.file_id, "ts": shared.ts}
        if verb == "POST" and len(parts) == 1:
            args = json.loads(body or b"{}")
            return 200, {"ok": True, **_ACTIONS[parts[0]](emu, args)}
    except KeyError as exc:
        return 400, {"ok": False, "error": f"missing or unknown field {exc}"}
    except ValueError as exc:
        return 400, {"ok": False, "error": str(exc)}
    return 404, {"ok": False, "error": "not_found"}


def _send(emu: SlackEmulator, a: dict[str, Any]) -> dict[str, Any]:
    return {"ts": emu.user_message(a["channel"], a["user"], a["text"], thread_ts=a.get("thread_ts") or None)}


def _click(emu: SlackEmulator, a: dict[str, Any]) -> dict[str, Any]:
    d = emu.click(a["channel"], a["message_ts"], a["action_id"], a["user"], value=a.get("value"))
    return {"status": d.status, "error": d.error}


def _submit(emu: SlackEmulator, a: dict[str, Any]) -> dict[str, Any]:
    d = emu.submit_view(a["view_id"], a["user"], a.get("values", {}))
    return {"status": d.status, "error": d.error}


def _close(emu: SlackEmulator, a: dict[str, Any]) -> dict[str, Any]:
    emu.close_view(a["view_id"], a["user"])
    return {}


def _slash(emu: SlackEmulator, a: dict[str, Any]) -> dict[str, Any]:
    d = emu.slash_command(a["command"], a.get("text", ""), a["channel"], a["user"])
    return {"status": d.status, "error": d.error}


def _home(emu: SlackEmulator, a: dict[str, Any]) -> dict[str, Any]:
    emu.open_home(a["user"])
    return {}


_ACTIONS = {"send": _send, "click": _click, "submit": _submit, "close": _close, "slash": _slash, "home": _home}


def _decorate(emu: SlackEmulator, message: dict[str, Any]) -> dict[str, Any]:
    """A message plus what the page needs to draw it (author name, image/file URLs)."""
    user = emu.ws.users.get(message.get("user", ""))
    shown = dict(message)
    shown["_author"] = user.real_name if user else ("Slackbot" if message.get("user") == "USLACKBOT" else "unknown")
    shown["_is_bot"] = bool(message.get("bot_id")) or message.get("user") == "USLACKBOT"
    shown["files"] = [
        {**f, "_url": f"/emu/files/{f['id']}/{urllib.parse.quote(f['name'])}"} for f in message.get("files", [])
    ]
    return shown


def state(emu: SlackEmulator, params: dict[str, str]) -> dict[str, Any]:
    ws = emu.ws
    with ws.lock:
        version = ws.version
        if params.get("since") == str(version):
            return {"version": version, "unchanged": True}
        user_id = params.get("user") or "U01ALICE"
        channels = [
            {
                "id": c.id,
                "name": c.name,
                "is_private": c.is_private,
                "is_im": c.is_im,
                "label": (ws.bot_name if c.is_im else c.name),
                "bot_member": c.bot_member,
            }
            for c in ws.conversations.values()
            if not c.is_im or c.im_user == user_id
        ]
        out: dict[str, Any] = {
            "version": version,
            "team": ws.team_name,
            "bot": {"id": ws.bot_user_id, "name": ws.bot_name},
            "users": {u.id: {"name": u.name, "real_name": u.real_name, "is_bot": u.is_bot} for u in ws.users.values()},
            "channels": channels,
            "deliveries": [
                {
                    "label": d.label,
                    "status": d.status,
                    "error": d.error,
                    "ms": round(d.elapsed_ms),
                    "retry": d.retry_num,
                    "at": d.at,
                }
                for d in emu.deliverer.log[-40:]
            ],
            "api_calls": [
                {"method": c.method, "ok": c.response.get("ok"), "error": c.response.get("error"), "at": c.at}
                for c in emu.api.calls[-40:]
            ],
        }
        conversation = ws.conversation(params.get("channel", "")) if params.get("channel") else None
        if conversation is not None:
            mine = [m for m in conversation.ephemerals if m.get("ephemeral_for") == user_id]
            out["messages"] = [_decorate(emu, m) for m in ws.top_level(conversation)]
            out["ephemerals"] = [_decorate(emu, m) for m in mine if not m.get("thread_ts")]
            thread_ts = params.get("thread")
            if thread_ts:
                out["thread"] = [_decorate(emu, m) for m in ws.thread(conversation, thread_ts)]
                out["thread_ephemerals"] = [_decorate(emu, m) for m in mine if m.get("thread_ts") == thread_ts]
        stack = ws.open_modals.get(user_id) or []
        out["modal"] = ws.views.get(stack[-1]) if stack else None
        home_id = ws.home_views.get(user_id)
        out["home"] = ws.views.get(home_id) if home_id else None
        snapshot: dict[str, Any] = json.loads(json.dumps(out))
        return snapshot
