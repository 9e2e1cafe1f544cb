"""The key-value store on Redis (shared by every Lambda instance and process)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import redis

from core.cache.base import KeyValueUnavailable

# Atomic compare-and-set: Redis has no native CAS for plain strings.
_CAS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
  return 1
end
return 0
"""

# INCRBY, plus an expiry only on a key that has none yet (PTTL -1): the window's end stays put.
_INCREMENT = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
"""


@contextmanager
def _reached() -> Iterator[None]:
    """Redis's own errors as the product's, so every front end says which dependency failed
    (the REST API with 503, not an internal error)."""
    try:
        yield
    except redis.RedisError as exc:
        raise KeyValueUnavailable(f"Redis: {exc}") from exc


class RedisKeyValueStore:
    def __init__(self, client: redis.Redis, prefix: str = "") -> None:
        self._r = client
        self._prefix = prefix
        self._cas = client.register_script(_CAS)
        self._increment = client.register_script(_INCREMENT)

    @classmethod
    def from_url(cls, url: str, prefix: str = "", timeout_s: float = 5.0) -> RedisKeyValueStore:
        """timeout_s bounds every connect and reply: short on the acknowledgement path, where a frozen
        Redis must cost a fraction of Slack's 3 seconds, not all of them."""
        client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        return cls(client, prefix)

    def _k(self, key: str) -> str:
        return self._prefix + key

    @staticmethod
    def _px(ttl_s: float | None) -> int | None:
        return max(1, int(ttl_s * 1000)) if ttl_s else None

    def get(self, key: str) -> str | None:
        with _reached():
            return cast("str | None", self._r.get(self._k(key)))  # decode_responses=True: text, never bytes

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        with _reached():
            self._r.set(self._k(key), value, px=self._px(ttl_s))

    def add(self, key: str, value: str, ttl_s: float | None = None) -> bool:
        with _reached():
            return bool(self._r.set(self._k(key), value, nx=True, px=self._px(ttl_s)))

    def compare_and_set(self, key: str, expected: str, value: str, ttl_s: float | None = None) -> bool:
        px = self._px(ttl_s)
        with _reached():
            return bool(self._cas(keys=[self._k(key)], args=[expected, value, "" if px is None else str(px)]))

    def increment(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        px = self._px(ttl_s)
        with _reached():
            try:
                return int(self._increment(keys=[self._k(key)], args=[amount, "" if px is None else str(px)]))
            except redis.ResponseError as exc:
                if "not an integer" in str(exc):
                    raise ValueError(f"the value at {key!r} is not an integer") from None
                raise

    def delete(self, key: str) -> None:
        with _reached():
            self._r.delete(self._k(key))

    def keys(self, prefix: str) -> list[str]:
        n = len(self._prefix)
        pattern = self._k(prefix).replace("*", r"\*").replace("?", r"\?").replace("[", r"\[") + "*"
        with _reached():
            return sorted(k[n:] for k in self._r.scan_iter(match=pattern, count=500))
