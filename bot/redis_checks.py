"""Start-up check that Redis can hold durable state (pending approvals, stored results, queued work).

A cache may vanish; approvals and queued tasks may not. Redis keeps them across a restart only with
persistence (AOF or RDB snapshots), and keeps them under memory pressure only with the
`noeviction` policy (any other policy may evict a pending approval to make room for a cache
entry). INFO is read first; CONFIG (often disabled on managed Redis) only for the snapshot rules.
"""

from __future__ import annotations

import redis


def durability_problems(url: str, timeout_s: float = 2.0) -> list[str]:
    """What makes this Redis unfit for durable state; empty when it is fit (or says nothing)."""
    client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        persistence = client.info("persistence")
        memory = client.info("memory")
    except redis.RedisError as exc:
        return [f"Redis at {_safe(url)} could not be checked: {exc}"]
    finally:
        client.close()
    problems = []
    aof = str(persistence.get("aof_enabled", "0")) == "1"
    if not aof:
        snapshots = _snapshot_rules(url, timeout_s)
        if snapshots is None:
            problems.append(
                "AOF is off and the snapshot rules cannot be read (CONFIG is disabled): make sure the "
                "server persists, or a restart loses pending approvals and queued work"
            )
        elif not snapshots:
            problems.append(
                "persistence is off (no AOF, no snapshot rules): a restart loses pending approvals and "
                "queued work; enable appendonly yes"
            )
    policy = memory.get("maxmemory_policy", "noeviction")
    if policy != "noeviction":
        problems.append(
            f"maxmemory-policy is {policy}: under memory pressure Redis may evict approvals and queued work;"
            " set it to noeviction (or use a separate Redis for caches)"
        )
    return problems


def _snapshot_rules(url: str, timeout_s: float) -> str | None:
    """The `save` rules ("" when snapshots are off), or None when CONFIG is not allowed."""
    client = redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, decode_responses=True
    )
    try:
        return str(client.config_get("save").get("save", "")).strip()
    except redis.RedisError:
        return None
    finally:
        client.close()


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://…@{rest.split('@', 1)[1]}"
