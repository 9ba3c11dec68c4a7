"""The shared cache on Redis, kept out of the way of the pages when Redis is not answering.

Django's RedisCache raises when Redis is down, and every page that reads the cache (allauth's
rate limits on login, for one) would be a 500. Here a connection error or a timeout is logged and
answered as a miss: reads find nothing, writes are dropped, `add` reports success. So pages keep
working and allauth's rate limits let every attempt through (fail open) until Redis is back;
sessions do not live in this cache (config/settings.py says why), so nobody is logged out.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# A dead Redis is not asked again for this many seconds: behind a firewall that drops packets
# every call would otherwise wait out its socket timeout, several times a page.
BACKOFF_SECONDS = 2.0
# Socket timeouts of the client unless OPTIONS sets them: a Redis that does not answer costs a
# request a second, not a hang.
DEFAULT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}


class TolerantRedisCache(RedisCache):
    """Django's RedisCache, answering a miss instead of raising while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._options = {**DEFAULT_OPTIONS, **self._options}
        self._down_until = 0.0

    def _call(self, method, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), method)(*args, **kwargs)
        except UNAVAILABLE as error:
            self._down_until = time.monotonic() + BACKOFF_SECONDS
            # The class name, not the message: it can hold the host and port.
            logger.warning("Redis cache unavailable (%s); treating as a miss", type(error).__name__)
            return fallback

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True, so a caller waiting for a lock (allauth's rate limits) goes ahead instead of
        # waiting and refusing; core.locks checks the value was really stored.
        return self._call("add", True, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call("incr", missing, key, delta, version)
        if value is missing:
            raise ValueError(f"Key {key!r} not found.")
        return value

    def clear(self):
        return self._call("clear", False)
