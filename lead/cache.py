"""A Redis cache that fails open, so that a Redis outage cannot take sign-in or the public form.

The cache holds only rate-limit counters (allauth's sign-in limits, the public form's limit).
Django's ``RedisCache`` raises when Redis refuses connections (stopped) or does not answer
(frozen), and both limits ask the cache on every POST: with Redis gone, sign-in answered 500 and
the public form answered 500 and lost the referral. This backend catches Redis's connection
errors and timeouts, logs them, and answers like an empty cache that takes every write:

1. Reads miss (``get`` gives the default), so every counter starts from zero: the limits are off
   for as long as the outage lasts. Writes are dropped and say they succeeded.
2. ``add`` says yes. allauth guards each counter with a lock made of ``add``: a "no" would make
   every sign-in wait a second for the lock and then be refused as rate limited.
3. After a failure, this process stands back for ``BACKOFF_SECONDS`` and answers at once without
   asking Redis: a sign-in makes about a dozen cache calls, and against a frozen Redis each would
   wait for the socket timeout. The first call after the pause tries Redis again.

So never keep anything in this cache whose loss matters, and never use ``add`` as a lock that
correctness depends on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)
BACKOFF_SECONDS = 10.0
# time.monotonic() until which each Redis location is not asked; per process, shared by threads
# (Django makes one cache object per thread).
_down_until: dict[str, float] = {}

T = TypeVar("T")


def redis_cache_config(url: str, *, timeout: float = 2.0) -> dict[str, Any]:
    """The ``CACHES`` entry for Redis at ``url``: fail open, and give up on a silent Redis after
    ``timeout`` seconds."""
    return {
        "BACKEND": "lead.cache.FailOpenRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
    }


def cache_outage_forget() -> None:
    """Ask Redis again at the next call (tests; a process that knows Redis is back)."""
    _down_until.clear()


class FailOpenRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = str(server)  # LOCATION may also be a list of servers

    def _attempt(self, fallback: T, operation: Callable[..., T], *args: Any) -> T:
        if time.monotonic() < _down_until.get(self._location, 0.0):
            return fallback
        try:
            return operation(*args)
        except OUTAGE_ERRORS as exc:
            _down_until[self._location] = time.monotonic() + BACKOFF_SECONDS
            logger.warning(
                "cache: Redis unavailable (%s); rate limits are off, next try in %.0f s",
                exc,
                BACKOFF_SECONDS,
            )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._attempt(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None) -> Any:
        return self._attempt(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._attempt(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._attempt(False, super().touch, key, timeout, version)

    def delete(self, key, version=None) -> bool:
        return self._attempt(False, super().delete, key, version)

    def get_many(self, keys, version=None) -> dict[str, Any]:
        return self._attempt({}, super().get_many, keys, version)

    def has_key(self, key, version=None) -> bool:
        return self._attempt(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None) -> int:
        # As if the key were new: the count starts again, like every other counter here.
        return self._attempt(delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list[str]:
        return self._attempt([], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None) -> None:
        self._attempt(None, super().delete_many, keys, version)

    def clear(self) -> bool:
        return self._attempt(False, super().clear)
