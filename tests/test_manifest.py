"""manifest.yml asks for exactly the OAuth scopes the code needs: derived from the events the app
subscribes to and the Web API methods the code calls (found in the source, not listed by hand).

The table maps each method and event to its bot scopes, from Slack's method and event reference
pages. Conversation methods need the scope of each conversation type the bot is in: public
channels, private channels and direct messages (the app does not subscribe to group DMs).
A new Web API call fails this test until its scopes are added here (and, if new, to the manifest).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from handlers.ui import ids as c

REPO = Path(__file__).resolve().parents[1]

METHOD_SCOPES: dict[str, set[str]] = {
    "auth_test": set(),  # the start-up check that the token works; no scope
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_info": {"channels:read", "groups:read", "im:read"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "files_info": {"files:read"},
    "files_upload_v2": {"files:write"},  # files.getUploadURLExternal + files.completeUploadExternal
    "reactions_add": {"reactions:write"},
    "reactions_remove": {"reactions:write"},
    "views_open": set(),  # needs a trigger_id, no scope
    "views_publish": set(),
}
EVENT_SCOPES: dict[str, set[str]] = {
    "app_mention": {"app_mentions:read"},
    "app_home_opened": set(),
    "file_shared": {"files:read"},  # also lets the bot download url_private with its token
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
}
SLASH_COMMAND_SCOPE = "commands"

# A Web API call through any WebClient (`client`, or one derived from it such as a short-timeout copy),
# recognised by the method family Slack names it with; other `x.y_z(` calls (Redis' config_get) are not Slack's.
_FAMILIES = (
    "admin",
    "apps",
    "auth",
    "bookmarks",
    "bots",
    "calls",
    "chat",
    "conversations",
    "dialog",
    "dnd",
    "emoji",
    "files",
    "pins",
    "reactions",
    "reminders",
    "search",
    "stars",
    "team",
    "usergroups",
    "users",
    "views",
    "workflows",
)
_CALL = re.compile(rf"\.((?:{'|'.join(_FAMILIES)})_[A-Za-z0-9_]+)\(")
_EVENT = re.compile(r"""\.event\(\s*["']([a-z_]+)["']""")


def _source_files() -> list[Path]:
    files = list((REPO / "handlers").rglob("*.py")) + list((REPO / "bot").rglob("*.py"))
    return [f for f in files if "emulator" not in f.relative_to(REPO).parts]  # the emulator is Slack's side


def called_methods() -> set[str]:
    return {m for f in _source_files() for m in _CALL.findall(f.read_text())}


def listened_events() -> set[str]:
    return {e for f in _source_files() for e in _EVENT.findall(f.read_text())}


def manifest() -> dict:
    return yaml.safe_load((REPO / "manifest.yml").read_text())


def test_every_called_method_has_its_scopes_in_the_table() -> None:
    calls = called_methods()
    assert {"chat_postMessage", "files_upload_v2", "reactions_add"} <= calls, "the search finds the calls"
    assert calls - set(METHOD_SCOPES) == set(), "add the new method's scopes to METHOD_SCOPES"


def test_every_event_listened_to_is_subscribed() -> None:
    subscribed = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    delivered_as = {e.split(".")[0] for e in subscribed}  # message.channels arrives as "message"
    assert listened_events() - delivered_as == set()
    assert subscribed <= set(EVENT_SCOPES)


def test_the_manifest_asks_for_exactly_the_scopes_used() -> None:
    app = manifest()
    subscribed = app["settings"]["event_subscriptions"]["bot_events"]
    commands = [command["command"] for command in app["features"]["slash_commands"]]
    assert commands == [c.ASK_COMMAND]
    needed = set().union(*(METHOD_SCOPES[m] for m in called_methods()), *(EVENT_SCOPES[e] for e in subscribed))
    needed.add(SLASH_COMMAND_SCOPE)
    asked = set(app["oauth_config"]["scopes"]["bot"])
    assert asked - needed == set(), "scopes asked for but never used"
    assert needed - asked == set(), "scopes used but not asked for"
