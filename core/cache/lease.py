"""Short leases on keys, renewed while the holder works.

A claim that lives as long as the work it guards (a day for "ingesting") outlives a killed worker
by that day. A lease lives a few seconds and is renewed while the holder is alive, so a SIGKILL
releases it within one lease. The stored value carries a random token: only the holder renews or
releases its own lease (compare-and-set), never one another process took over after it expired.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore

log = logging.getLogger(__name__)

DEFAULT_LEASE_S = 30.0


def lease_value(state: str) -> str:
    """`state` plus a token naming this holder (e.g. "ingesting:3f9a…")."""
    return f"{state}:{secrets.token_hex(8)}"


def lease_state(value: str | None) -> str | None:
    """The state part of a stored lease value (None when the key is absent)."""
    return None if value is None else value.split(":", 1)[0]


class Lease:
    """A held lease; `renew()` extends it, `release(final, ttl_s)` replaces it with a final value."""

    def __init__(self, kv: KeyValueStore, key: str, value: str, lease_s: float) -> None:
        self.kv, self.key, self.value, self.lease_s = kv, key, value, lease_s

    @classmethod
    def acquire(cls, kv: KeyValueStore, key: str, state: str, lease_s: float = DEFAULT_LEASE_S) -> Lease | None:
        """The lease, or None when someone else holds it (or a final value is there)."""
        value = lease_value(state)
        return cls(kv, key, value, lease_s) if kv.add(key, value, ttl_s=lease_s) else None

    def renew(self) -> bool:
        """False when the lease was lost (expired and taken, or replaced)."""
        return self.kv.compare_and_set(self.key, self.value, self.value, ttl_s=self.lease_s)

    def release(self, final: str | None = None, ttl_s: float | None = None) -> None:
        """Replace our lease with `final` (kept `ttl_s`), or drop it; someone else's is left alone."""
        if final is None:
            if self.kv.get(self.key) == self.value:
                self.kv.delete(self.key)
            return
        self.kv.compare_and_set(self.key, self.value, final, ttl_s=ttl_s)

    @contextmanager
    def kept_alive(self) -> Iterator[Lease]:
        """Renews the lease every third of its length until the block ends."""
        stop = threading.Event()

        def renew_until_stopped() -> None:
            while not stop.wait(self.lease_s / 3):
                try:
                    if not self.renew():
                        log.warning("lease %s was lost while its work was still running", self.key)
                        return
                except Exception:  # the store blinked: try again next round, the lease has slack
                    log.warning("could not renew lease %s", self.key, exc_info=True)

        renewer = threading.Thread(target=renew_until_stopped, name=f"lease {self.key}", daemon=True)
        renewer.start()
        try:
            yield self
        finally:
            stop.set()
            renewer.join(timeout=5)
