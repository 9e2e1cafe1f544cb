"""What `infra up` / `down` did to one resource, as it is printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    kind: str
    name: str
    action: str = "unchanged"  # created | updated | unchanged | deleted | absent | kept | skipped
    changes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def created(self) -> Outcome:
        self.action = "created"
        return self

    def changed(self, what: str) -> Outcome:
        self.changes.append(what)
        if self.action == "unchanged":
            self.action = "updated"
        return self

    def note(self, what: str) -> Outcome:
        self.details.setdefault("notes", []).append(what)
        return self

    def deleted(self) -> Outcome:
        self.action = "deleted"
        return self

    def absent(self) -> Outcome:
        self.action = "absent"
        return self

    def kept(self, why: str) -> Outcome:
        self.action = "kept"
        return self.note(why)

    def skipped(self, why: str) -> Outcome:
        self.action = "skipped"
        return self.note(why)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name, "action": self.action}
        if self.changes:
            out["changes"] = self.changes
        out.update(self.details)
        return out


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str((response or {}).get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def is_missing(exc: Exception) -> bool:
    """botocore's ways of saying "there is no such thing"."""
    code = error_code(exc)
    return code in (
        "404",
        "NoSuchBucket",
        "NotFound",
        "NoSuchEntity",
        "ResourceNotFoundException",
        "NoSuchPublicAccessBlockConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchLifecycleConfiguration",
        "RepositoryNotFoundException",
    )
