"""A lock across every process that shares the default cache, for jobs that must not run twice
at once (a scheduled job started by two beat processes, a command run while the last run goes on).

Built on `cache.add`, which is atomic on Redis and on the database cache alike. It is a guard, not
a guarantee: a holder that outlives `timeout` loses the lock, so pick a timeout well beyond the
job's longest run.
"""

import uuid
from contextlib import contextmanager

from django.core.cache import caches


@contextmanager
def cache_lock(name, timeout, *, alias="default"):
    """Yield True when this caller holds the lock `name` (for at most `timeout` seconds), False
    when another holds it or the cache cannot say (a Redis that is down): the job is skipped,
    never run twice."""
    cache = caches[alias]
    key = f"lock:{name}"
    token = uuid.uuid4().hex
    # core.cache's tolerant Redis cache reports add() as done while Redis is down; reading the
    # token back tells a lock really taken from one that was not.
    acquired = cache.add(key, token, timeout) and cache.get(key) == token
    try:
        yield acquired
    finally:
        # Only the holder releases, and only while the lock is still its own (not if it expired
        # and another took it); read and delete are two steps, close enough for a guard.
        if acquired and cache.get(key) == token:
            cache.delete(key)
