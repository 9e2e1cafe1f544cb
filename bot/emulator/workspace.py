"""The emulated Slack workspace: users, conversations, messages, files and views.

Everything is kept in memory behind one lock. Messages are stored as the dicts Slack's
Web API returns, so the API layer can hand them out as they are.
"""

from __future__ import annotations

import mimetypes
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

# Slack's `filetype` and `pretty_type` for the extensions people share with the bot.
_FILETYPES: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "PDF"),
    "md": ("markdown", "Markdown (raw)"),
    "txt": ("text", "Plain Text"),
    "csv": ("csv", "CSV"),
    "png": ("png", "PNG"),
    "jpg": ("jpg", "JPEG"),
    "jpeg": ("jpg", "JPEG"),
    "gif": ("gif", "GIF"),
    "docx": ("docx", "Word Document"),
    "html": ("html", "HTML"),
    "json": ("json", "JSON"),
}


@dataclass
class User:
    id: str
    name: str
    real_name: str
    is_bot: bool = False

    def to_dict(self, team_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_admin": False,
            "is_app_user": False,
            "tz": "Europe/London",
            "tz_offset": 0,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.name,
                "team": team_id,
            },
        }


@dataclass
class Conversation:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    bot_member: bool = True
    created: int = field(default_factory=lambda: int(time.time()))
    messages: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def channel_type(self) -> str:
        """The `channel_type` Slack puts in message events."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_dict(self) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_general": self.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.bot_member,
            "created": self.created,
            "creator": "U01ALICE",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class StoredFile:
    id: str
    name: str
    title: str
    user: str
    data: bytes
    created: int
    shares: list[dict[str, Any]] = field(default_factory=list)  # one per message that shared the file
    complete: bool = False  # False between files.getUploadURLExternal and the upload

    def add_share(self, conversation: Conversation, ts: str, user: str, thread_ts: str | None) -> None:
        share = {
            "channel": conversation.id,
            "channel_name": conversation.name,
            "kind": ("im" if conversation.is_im else "private" if conversation.is_private else "public"),
            "ts": ts,
            "share_user_id": user,
        }
        if thread_ts:
            share["thread_ts"] = thread_ts
        self.shares.append(share)

    def _shares_dict(self, team_id: str) -> dict[str, Any]:
        """Slack's `shares`: {"public"|"private": {channel id: [{ts, thread_ts?, ...}]}}."""
        out: dict[str, Any] = {}
        for share in self.shares:
            entry = {
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "ts": share["ts"],
                "channel_name": share["channel_name"],
                "team_id": team_id,
                "share_user_id": share["share_user_id"],
                "source": "UNKNOWN",
            }
            if "thread_ts" in share:
                entry["thread_ts"] = share["thread_ts"]
            visibility = "public" if share["kind"] == "public" else "private"
            out.setdefault(visibility, {}).setdefault(share["channel"], []).append(entry)
        return out

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""

    @property
    def mimetype(self) -> str:
        if self.extension == "md":
            return "text/markdown"
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"

    def to_dict(self, base_url: str, team_id: str) -> dict[str, Any]:
        filetype, pretty = _FILETYPES.get(self.extension, (self.extension or "binary", "Binary"))
        private = f"{base_url}files-pri/{team_id}-{self.id}/{self.name}"
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title,
            "mimetype": self.mimetype,
            "filetype": filetype,
            "pretty_type": pretty,
            "user": self.user,
            "user_team": team_id,
            "editable": False,
            "size": len(self.data),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "display_as_bot": False,
            "url_private": private,
            "url_private_download": f"{base_url}files-pri/{team_id}-{self.id}/download/{self.name}",
            "permalink": f"{base_url}files/{self.user}/{self.id}/{self.name}",
            "channels": sorted({x["channel"] for x in self.shares if x["kind"] == "public"}),
            "groups": sorted({x["channel"] for x in self.shares if x["kind"] == "private"}),
            "ims": sorted({x["channel"] for x in self.shares if x["kind"] == "im"}),
            "shares": self._shares_dict(team_id),
            "comments_count": 0,
        }


class Workspace:
    """All state of the emulated workspace, guarded by one re-entrant lock.

    `version` increases on every change so pollers (the web page, `wait_for`) can tell
    that something happened.
    """

    def __init__(
        self, *, team_id: str, team_name: str, bot_user_id: str, bot_id: str, app_id: str, bot_name: str
    ) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.version = 0
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_name = bot_name
        self.users: dict[str, User] = {}
        self.conversations: dict[str, Conversation] = {}
        self.files: dict[str, StoredFile] = {}
        self.views: dict[str, dict[str, Any]] = {}  # view id -> view
        self.open_modals: dict[str, list[str]] = {}  # user id -> stack of view ids
        self.home_views: dict[str, str] = {}  # user id -> view id
        self.triggers: dict[str, tuple[str, float]] = {}  # trigger id -> (user id, issued at)
        self._last_ts = 0.0
        self._counter = 0
        # Ids differ between runs, so a bot's dedup store kept across demo runs never mistakes
        # a new file for one it saw last time.
        self._run = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(4))
        self.add_user(User(bot_user_id, bot_name.lower(), bot_name, is_bot=True))

    # -- ids ---------------------------------------------------------------------------
    def touch(self) -> None:
        with self.lock:
            self.version += 1
            self.changed.notify_all()

    def next_ts(self) -> str:
        """A message timestamp, strictly increasing like Slack's (unique per channel)."""
        with self.lock:
            now = max(time.time(), self._last_ts + 0.000001)
            self._last_ts = now
            return f"{now:.6f}"

    def new_id(self, prefix: str) -> str:
        with self.lock:
            self._counter += 1
            return f"{prefix}{self._run}{self._counter:05d}"

    # -- directory ---------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        with self.lock:
            self.users[user.id] = user
            self.touch()
        return user

    def add_conversation(self, conversation: Conversation) -> Conversation:
        with self.lock:
            self.conversations[conversation.id] = conversation
            self.touch()
        return conversation

    def user(self, ref: str) -> User | None:
        """A user by id or by name (`alice`, `@alice`)."""
        with self.lock:
            if ref in self.users:
                return self.users[ref]
            name = ref.lstrip("@").lower()
            return next((u for u in self.users.values() if u.name == name), None)

    def conversation(self, ref: str) -> Conversation | None:
        """A conversation by id or by name (`general`, `#general`)."""
        with self.lock:
            if ref in self.conversations:
                return self.conversations[ref]
            name = ref.lstrip("#")
            return next((c for c in self.conversations.values() if c.name == name), None)

    def im_with(self, user_id: str) -> Conversation | None:
        with self.lock:
            return next((c for c in self.conversations.values() if c.is_im and c.im_user == user_id), None)

    # -- messages ----------------------------------------------------------------------
    def find_message(self, channel: Conversation, ts: str) -> dict[str, Any] | None:
        with self.lock:
            return next((m for m in channel.messages if m["ts"] == ts), None)

    def add_message(self, channel: Conversation, message: dict[str, Any]) -> dict[str, Any]:
        """Appends a message; a reply also updates its parent's thread summary."""
        with self.lock:
            thread_ts = message.get("thread_ts")
            if thread_ts and thread_ts != message["ts"]:
                parent = self.find_message(channel, thread_ts)
                if parent is not None:
                    message["parent_user_id"] = parent.get("user", "")
                    parent["thread_ts"] = parent["ts"]
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
                    parent["reply_users"] = sorted(set(parent.get("reply_users", [])) | {message.get("user", "")})
                    parent["reply_users_count"] = len(parent["reply_users"])
                    parent["latest_reply"] = message["ts"]
            channel.messages.append(message)
            self.touch()
            return message

    def top_level(self, channel: Conversation) -> list[dict[str, Any]]:
        with self.lock:
            return [
                m
                for m in channel.messages
                if not m.get("thread_ts") or m["thread_ts"] == m["ts"] or m.get("subtype") == "thread_broadcast"
            ]

    def thread(self, channel: Conversation, thread_ts: str) -> list[dict[str, Any]]:
        """The parent followed by its replies, oldest first (as conversations.replies)."""
        with self.lock:
            parent = self.find_message(channel, thread_ts)
            if parent is None:
                return []
            if parent.get("thread_ts") and parent["thread_ts"] != parent["ts"]:
                return self.thread(channel, parent["thread_ts"])
            replies = [m for m in channel.messages if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]
            return [parent, *replies]

    def remove_message(self, channel: Conversation, ts: str) -> dict[str, Any] | None:
        with self.lock:
            message = self.find_message(channel, ts)
            if message is not None:
                channel.messages.remove(message)
                parent_ts = message.get("thread_ts")
                parent = self.find_message(channel, parent_ts) if parent_ts and parent_ts != ts else None
                if parent is not None:
                    parent["reply_count"] = max(0, parent.get("reply_count", 1) - 1)
                self.touch()
            return message

    # -- files -------------------------------------------------------------------------
    def add_file(
        self, name: str, user: str, data: bytes, *, title: str | None = None, complete: bool = True
    ) -> StoredFile:
        with self.lock:
            stored = StoredFile(
                id=self.new_id("F"),
                name=name,
                title=title or name,
                user=user,
                data=data,
                created=int(time.time()),
                complete=complete,
            )
            self.files[stored.id] = stored
            self.touch()
            return stored
