"""Cache, dedup and approvals storage: a key-value protocol with a local and a Redis store."""

from core.cache.base import KeyValueStore

__all__ = ["KeyValueStore"]
