"""Request bodies Slack sends to an app: Events API envelopes, interactivity, slash commands."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .workspace import Conversation, User, Workspace


def event_envelope(
    ws: Workspace, event: dict[str, Any], *, event_id: str | None = None, event_time: int | None = None
) -> dict[str, Any]:
    return {
        "token": "emulator-verification-token",
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def user_ref(ws: Workspace, user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id}


def team_ref(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.team_id, "domain": ws.team_name.lower()}


def channel_ref(channel: Conversation) -> dict[str, Any]:
    return {"id": channel.id, "name": channel.name if not channel.is_im else "directmessage"}


def block_actions(
    ws: Workspace,
    *,
    user: User,
    channel: Conversation,
    message: dict[str, Any],
    action: dict[str, Any],
    block_id: str,
    response_url: str,
    trigger_id: str,
    is_ephemeral: bool,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel.id,
        "is_ephemeral": is_ephemeral,
    }
    if message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    clicked = {
        "action_id": action.get("action_id", ""),
        "block_id": block_id,
        "text": action.get("text", {"type": "plain_text", "text": ""}),
        "value": action.get("value", ""),
        "type": action.get("type", "button"),
        "action_ts": f"{time.time():.6f}",
    }
    if action.get("style"):
        clicked["style"] = action["style"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user_ref(ws, user),
        "api_app_id": ws.app_id,
        "token": "emulator-verification-token",
        "container": container,
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": channel_ref(channel),
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [clicked],
    }
    if not is_ephemeral:
        payload["message"] = message
    return payload


def view_submission(
    ws: Workspace, *, user: User, view: dict[str, Any], values: dict[str, dict[str, Any]], trigger_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": team_ref(ws),
        "user": user_ref(ws, user),
        "api_app_id": ws.app_id,
        "token": "emulator-verification-token",
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(ws: Workspace, *, user: User, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": team_ref(ws),
        "user": user_ref(ws, user),
        "api_app_id": ws.app_id,
        "token": "emulator-verification-token",
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command(
    ws: Workspace, *, user: User, channel: Conversation, command: str, text: str, response_url: str, trigger_id: str
) -> dict[str, str]:
    return {
        "token": "emulator-verification-token",
        "team_id": ws.team_id,
        "team_domain": ws.team_name.lower(),
        "channel_id": channel.id,
        "channel_name": channel.name if not channel.is_im else "directmessage",
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
