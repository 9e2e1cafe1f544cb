"""Slack Web API methods the bot uses, with Slack's request and response shapes.

Arguments arrive form-encoded, as JSON or in the query string (slack_sdk uses all three);
`call` merges them. Errors are `{"ok": false, "error": "..."}` with HTTP 200, except rate
limits (429 + Retry-After), as on slack.com.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .blocks import MESSAGE_TEXT_MAX, VIEW_MAX_BLOCKS, block_errors
from .workspace import Conversation, Workspace

if TYPE_CHECKING:
    from .socket_mode import SocketModeServer

BotEventSink = Callable[[Conversation, dict[str, Any]], None]
# Methods called with the app-level token (xapp-…) instead of the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


class ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class ApiCall:
    """One Web API request as the emulator saw it (for test assertions)."""

    method: str
    args: dict[str, Any]
    token: str | None
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.time)


@dataclass
class ApiResult:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


# Answers an authorised call instead of the workspace when it returns a result: how a caller makes
# Slack misbehave (rate limits, transient errors) without the emulator knowing every way it can.
Interceptor = Callable[[str, dict[str, Any]], ApiResult | None]


def _json_arg(args: dict[str, Any], name: str) -> Any:
    value = args.get(name)
    if isinstance(value, str) and value.strip():
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            error = "invalid_blocks_format" if name == "blocks" else "invalid_arguments"
            raise ApiError(error, detail=f"{name} is not valid JSON: {exc}") from None
    return value


def _flag(args: dict[str, Any], name: str) -> bool:
    return str(args.get(name, "")).lower() in ("1", "true", "yes")


class WebApi:
    def __init__(
        self,
        workspace: Workspace,
        *,
        bot_token: str,
        base_url: Callable[[], str],
        on_bot_event: BotEventSink,
        trigger_ttl_s: float = 30.0,
        socket_mode: SocketModeServer | None = None,
    ) -> None:
        self.ws = workspace
        self.bot_token = bot_token
        self.socket_mode = socket_mode
        # Without Socket Mode the app has no app-level token: every xapp- token is invalid.
        self.app_token = socket_mode.app_token if socket_mode is not None else None
        self.base_url = base_url
        self.on_bot_event = on_bot_event
        self.trigger_ttl_s = trigger_ttl_s
        self.calls: list[ApiCall] = []
        self.interceptors: list[Interceptor] = []
        self._lock = threading.Lock()
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": lambda args: {"args": args},
            "auth.test": self.auth_test,
            "apps.connections.open": self.apps_connections_open,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "reactions.add": self.reactions_add,
            "reactions.remove": self.reactions_remove,
            "conversations.replies": self.conversations_replies,
            "conversations.history": self.conversations_history,
            "conversations.info": self.conversations_info,
            "conversations.join": self.conversations_join,
            "conversations.list": self.conversations_list,
            "conversations.members": self.conversations_members,
            "files.info": self.files_info,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "bots.info": self.bots_info,
            "team.info": self.team_info,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
        }

    # -- plumbing ----------------------------------------------------------------------
    def call(self, method: str, args: dict[str, Any], authorization: str | None) -> ApiResult:
        token = None
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        token = token or args.pop("token", None) or None
        args.pop("token", None)
        result = self._dispatch(method, args, token)
        with self._lock:
            self.calls.append(ApiCall(method, args, token, result.status, result.body))
        self.ws.touch()
        return result

    def _dispatch(self, method: str, args: dict[str, Any], token: str | None) -> ApiResult:
        if method not in self._methods:
            return ApiResult(200, {"ok": False, "error": "unknown_method"})
        if not token:
            return ApiResult(200, {"ok": False, "error": "not_authed"})
        expected = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
        if token != expected:
            error = "not_allowed_token_type" if token in (self.bot_token, self.app_token) else "invalid_auth"
            return ApiResult(200, {"ok": False, "error": error})
        for intercept in list(self.interceptors):
            intercepted = intercept(method, args)
            if intercepted is not None:
                return intercepted
        try:
            with self.ws.lock:
                body = self._methods[method](args)
        except ApiError as exc:
            return ApiResult(200, {"ok": False, "error": exc.error, **exc.extra})
        return ApiResult(200, {"ok": True, **body})

    def _channel(self, args: dict[str, Any], name: str = "channel") -> Conversation:
        ref = str(args.get(name) or "")
        if not ref:
            raise ApiError("channel_not_found")
        conversation = self.ws.conversation(ref)
        if conversation is None and ref.startswith(("U", "W")) and self.ws.user(ref):
            conversation = self.ws.im_with(ref)  # posting to a user id writes in the DM with them
        if conversation is None:
            raise ApiError("channel_not_found")
        return conversation

    def _message(self, channel: Conversation, ts: Any) -> dict[str, Any]:
        message = self.ws.find_message(channel, str(ts or ""))
        if message is None:
            raise ApiError("message_not_found")
        return message

    def _checked_blocks(self, args: dict[str, Any], *, max_blocks: int | None = None) -> list[dict[str, Any]] | None:
        blocks = _json_arg(args, "blocks")
        if blocks is None or blocks == "":
            return None
        errors = block_errors(blocks, **({"max_blocks": max_blocks} if max_blocks else {}))
        if errors:
            raise ApiError("invalid_blocks", errors=errors, response_metadata={"messages": errors})
        checked: list[dict[str, Any]] = blocks  # no errors: a list of block objects
        return checked

    def _bot_message(self, channel: Conversation, args: dict[str, Any]) -> dict[str, Any]:
        text = str(args.get("text") or "")
        blocks = self._checked_blocks(args)
        attachments = _json_arg(args, "attachments")
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        if len(text) > MESSAGE_TEXT_MAX:
            raise ApiError("msg_too_long")
        message: dict[str, Any] = {
            "type": "message",
            "user": self.ws.bot_user_id,
            "bot_id": self.ws.bot_id,
            "app_id": self.ws.app_id,
            "text": text,
            "team": self.ws.team_id,
            "bot_profile": self._bot_profile(),
        }
        if blocks:
            message["blocks"] = blocks
        if attachments:
            message["attachments"] = attachments
        return message

    def _bot_profile(self) -> dict[str, Any]:
        return {
            "id": self.ws.bot_id,
            "app_id": self.ws.app_id,
            "name": self.ws.bot_name,
            "deleted": False,
            "team_id": self.ws.team_id,
        }

    def _post(self, channel: Conversation, message: dict[str, Any], thread_ts: Any) -> dict[str, Any]:
        if not channel.bot_member and not channel.is_im:
            raise ApiError("not_in_channel")
        message["ts"] = self.ws.next_ts()
        if thread_ts:
            parent = self.ws.find_message(channel, str(thread_ts))
            if parent is None:
                raise ApiError("thread_not_found")
            # Replying to a reply lands in the parent's thread, as in Slack.
            message["thread_ts"] = parent.get("thread_ts") or parent["ts"]
        self.ws.add_message(channel, message)
        self.on_bot_event(
            channel, {**message, "channel": channel.id, "event_ts": message["ts"], "channel_type": channel.channel_type}
        )
        return message

    # -- auth --------------------------------------------------------------------------
    def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.base_url(),
            "team": self.ws.team_name,
            "user": self.ws.bot_name.lower(),
            "team_id": self.ws.team_id,
            "user_id": self.ws.bot_user_id,
            "bot_id": self.ws.bot_id,
            "is_enterprise_install": False,
        }

    def apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        assert self.socket_mode is not None  # the app token check let the call through
        return {"url": self.socket_mode.open_connection()}

    # -- chat --------------------------------------------------------------------------
    def chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        message = self._post(channel, self._bot_message(channel, args), args.get("thread_ts"))
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        message = self._message(channel, args.get("ts"))
        if message.get("bot_id") != self.ws.bot_id:
            raise ApiError("cant_update_message")
        previous = json.loads(json.dumps(message))
        text = args.get("text")
        blocks = self._checked_blocks(args)
        if text is None and blocks is None:
            raise ApiError("no_text")
        if text is not None:
            if len(str(text)) > MESSAGE_TEXT_MAX:
                raise ApiError("msg_too_long")
            message["text"] = str(text)
        if blocks is not None or "blocks" in args:
            message["blocks"] = blocks or []
        message["edited"] = {"user": self.ws.bot_user_id, "ts": self.ws.next_ts()}
        self.ws.touch()
        self.on_bot_event(
            channel,
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "message": message,
                "previous_message": previous,
                "channel": channel.id,
                "ts": message["edited"]["ts"],
                "event_ts": message["edited"]["ts"],
                "channel_type": channel.channel_type,
            },
        )
        return {"channel": channel.id, "ts": message["ts"], "text": message["text"], "message": message}

    def chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        user = self.ws.user(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        if not channel.bot_member and not channel.is_im:
            raise ApiError("not_in_channel")
        message = self._bot_message(channel, args)
        message["ts"] = self.ws.next_ts()
        message["ephemeral_for"] = user.id
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        channel.ephemerals.append(message)
        self.ws.touch()
        return {"message_ts": message["ts"]}

    def chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        message = self._message(channel, args.get("ts"))
        if message.get("bot_id") != self.ws.bot_id:
            raise ApiError("cant_delete_message")
        self.ws.remove_message(channel, message["ts"])
        self.on_bot_event(
            channel,
            {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "deleted_ts": message["ts"],
                "previous_message": message,
                "channel": channel.id,
                "ts": self.ws.next_ts(),
                "event_ts": message["ts"],
                "channel_type": channel.channel_type,
            },
        )
        return {"channel": channel.id, "ts": message["ts"]}

    def chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        message = self._message(channel, args.get("message_ts"))
        ts = message["ts"].replace(".", "")
        return {"channel": channel.id, "permalink": f"{self.base_url()}archives/{channel.id}/p{ts}"}

    # -- reactions ---------------------------------------------------------------------
    def _reaction_target(self, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
        channel = self._channel(args)
        message = self._message(channel, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        if not name:
            raise ApiError("invalid_name")
        return message, name

    def reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(args)
        reactions = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.ws.bot_user_id in reaction["users"]:
            raise ApiError("already_reacted")
        reaction["users"].append(self.ws.bot_user_id)
        reaction["count"] = len(reaction["users"])
        self.ws.touch()
        return {}

    def reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(args)
        reactions = message.get("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None or self.ws.bot_user_id not in reaction["users"]:
            raise ApiError("no_reaction")
        reaction["users"].remove(self.ws.bot_user_id)
        reaction["count"] = len(reaction["users"])
        if not reaction["users"]:
            reactions.remove(reaction)
        if not reactions:
            message.pop("reactions", None)
        self.ws.touch()
        return {}

    # -- conversations -----------------------------------------------------------------
    @staticmethod
    def _page(items: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        start = int(args.get("cursor") or 0)
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    @staticmethod
    def _in_range(items: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or 1e12)
        inclusive = _flag(args, "inclusive")

        def keep(m: dict[str, Any]) -> bool:
            ts = float(m["ts"])
            return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

        return [m for m in items if keep(m)]

    def _readable(self, args: dict[str, Any]) -> Conversation:
        channel = self._channel(args)
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")
        return channel

    def conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(args)
        thread = self.ws.thread(channel, str(args.get("ts") or ""))
        if not thread:
            raise ApiError("thread_not_found")
        return self._page(self._in_range(thread, args), args)

    def conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(args)
        newest_first = list(reversed(self._in_range(self.ws.top_level(channel), args)))
        return {**self._page(newest_first, args), "pin_count": 0}

    def conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")
        return {"channel": channel.to_dict()}

    def conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel.is_im or channel.is_private:
            raise ApiError("method_not_supported_for_channel_type")
        extra: dict[str, Any] = {}
        if channel.bot_member:
            extra = {"warning": "already_in_channel", "response_metadata": {"warnings": ["already_in_channel"]}}
        channel.bot_member = True
        self.ws.touch()
        return {"channel": channel.to_dict(), **extra}

    def conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = str(args.get("types") or "public_channel").split(",")
        chosen = []
        for c in self.ws.conversations.values():
            kind = "im" if c.is_im else ("private_channel" if c.is_private else "public_channel")
            if kind in types and (not c.is_private or c.bot_member):
                chosen.append(c.to_dict())
        return {"channels": chosen, "response_metadata": {"next_cursor": ""}}

    def conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(args)
        if channel.is_im:
            members = [channel.im_user, self.ws.bot_user_id]
        else:
            members = [u.id for u in self.ws.users.values() if not u.is_bot]
            if channel.bot_member:
                members.append(self.ws.bot_user_id)
        return {"members": members, "response_metadata": {"next_cursor": ""}}

    # -- files -------------------------------------------------------------------------
    def files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        stored = self.ws.files.get(str(args.get("file") or ""))
        if stored is None or not stored.complete:
            raise ApiError("file_not_found")
        return {
            "file": stored.to_dict(self.base_url(), self.ws.team_id),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except ValueError:
            raise ApiError("invalid_arguments") from None
        if not filename or length <= 0:
            raise ApiError("invalid_arguments")
        stored = self.ws.add_file(filename, self.ws.bot_user_id, b"", complete=False)
        return {"upload_url": f"{self.base_url()}upload/v1/{stored.id}", "file_id": stored.id}

    def files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = _json_arg(args, "files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments")
        stored_files = []
        for entry in entries:
            stored = self.ws.files.get(str(entry.get("id") or ""))
            if stored is None:
                raise ApiError("file_not_found")
            if not stored.data:
                raise ApiError("file_upload_not_completed")  # the bytes were never POSTed
            if entry.get("title"):
                stored.title = str(entry["title"])
            stored.complete = True
            stored_files.append(stored)
        channel_ref = args.get("channel_id") or (str(args.get("channels") or "").split(",")[0] or None)
        if channel_ref:
            channel = self._channel({"channel": channel_ref})
            message: dict[str, Any] = {
                "type": "message",
                "subtype": "file_share",
                "upload": True,
                "user": self.ws.bot_user_id,
                "bot_id": self.ws.bot_id,
                "app_id": self.ws.app_id,
                "bot_profile": self._bot_profile(),
                "display_as_bot": False,
                "text": str(args.get("initial_comment") or ""),
                "team": self.ws.team_id,
                "files": [s.to_dict(self.base_url(), self.ws.team_id) for s in stored_files],
            }
            blocks = self._checked_blocks(args)
            if blocks:
                message["blocks"] = blocks
            self._post(channel, message, args.get("thread_ts"))
            for stored in stored_files:
                stored.add_share(channel, message["ts"], self.ws.bot_user_id, message.get("thread_ts"))
            message["files"] = [s.to_dict(self.base_url(), self.ws.team_id) for s in stored_files]
            for stored in stored_files:
                self.on_bot_event(
                    channel,
                    {
                        "type": "file_shared",
                        "channel_id": channel.id,
                        "file_id": stored.id,
                        "user_id": self.ws.bot_user_id,
                        "file": {"id": stored.id},
                        "event_ts": message["ts"],
                    },
                )
        self.ws.touch()
        return {"files": [{"id": s.id, "title": s.title} for s in stored_files]}

    # -- users, bots, team -------------------------------------------------------------
    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.ws.users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": user.to_dict(self.ws.team_id)}

    def users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "members": [u.to_dict(self.ws.team_id) for u in self.ws.users.values()],
            "response_metadata": {"next_cursor": ""},
        }

    def bots_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"bot": {**self._bot_profile(), "user_id": self.ws.bot_user_id}}

    def team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"team": {"id": self.ws.team_id, "name": self.ws.team_name, "domain": self.ws.team_name.lower()}}

    # -- views -------------------------------------------------------------------------
    def _view_arg(self, args: dict[str, Any], expected: tuple[str, ...]) -> dict[str, Any]:
        view = _json_arg(args, "view")
        if not isinstance(view, dict):
            raise ApiError("invalid_arguments")
        if view.get("type") not in expected:
            messages = [f"[ERROR] view type must be one of {expected}"]
            raise ApiError("invalid_arguments", response_metadata={"messages": messages})
        errors = block_errors(view.get("blocks", []), max_blocks=VIEW_MAX_BLOCKS)
        if view.get("type") == "modal" and not view.get("title"):
            errors.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        if errors:
            raise ApiError("invalid_arguments", response_metadata={"messages": errors})
        return view

    def _store_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        view_id = view_id or self.ws.new_id("V")
        stored = {
            "id": view_id,
            "team_id": self.ws.team_id,
            "type": view["type"],
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.{view_id}",
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "root_view_id": root_view_id or view_id,
            "previous_view_id": previous_view_id,
            "app_id": self.ws.app_id,
            "bot_id": self.ws.bot_id,
            "app_installed_team_id": self.ws.team_id,
        }
        self.ws.views[view_id] = stored
        self.ws.touch()
        return stored

    def _trigger_user(self, args: dict[str, Any]) -> str:
        issued = self.ws.triggers.get(str(args.get("trigger_id") or ""))
        if issued is None:
            raise ApiError("invalid_trigger_id")
        user_id, at = issued
        if time.time() - at > self.trigger_ttl_s:
            raise ApiError("expired_trigger_id")
        return user_id

    def views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self._trigger_user(args)
        view = self._store_view(self._view_arg(args, ("modal",)))
        self.ws.open_modals[user_id] = [view["id"]]
        return {"view": view}

    def views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self._trigger_user(args)
        stack = self.ws.open_modals.get(user_id) or []
        if not stack:
            raise ApiError("not_found")
        view = self._store_view(self._view_arg(args, ("modal",)), root_view_id=stack[0], previous_view_id=stack[-1])
        stack.append(view["id"])
        return {"view": view}

    def views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = str(args.get("view_id") or "")
        if not view_id and args.get("external_id"):
            view_id = next((v["id"] for v in self.ws.views.values() if v["external_id"] == args["external_id"]), "")
        current = self.ws.views.get(view_id)
        if current is None:
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        view = self._view_arg(args, (current["type"],))
        return {
            "view": self._store_view(
                view,
                view_id=view_id,
                root_view_id=current["root_view_id"],
                previous_view_id=current["previous_view_id"],
            )
        }

    def views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.ws.user(str(args.get("user_id") or ""))
        if user is None:
            raise ApiError("user_not_found")
        view = self._view_arg(args, ("home",))
        stored = self._store_view(view, view_id=self.ws.home_views.get(user.id))
        self.ws.home_views[user.id] = stored["id"]
        return {"view": stored}
