"""The shared cache on Redis answers a miss while Redis is down, so pages and logins keep working;
sessions are in the database, so nobody is logged out; cache_lock lets one holder in at a time."""

import time

import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from core import cache as tolerant
from core.locks import cache_lock
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"
# Redis of the development machine and CI, database 2; tests that need it are skipped without.
LIVE = "redis://127.0.0.1:6379/2"


def redis_running():
    try:
        return redis.Redis.from_url(LIVE, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not redis_running(), reason="no Redis at 127.0.0.1:6379")


def use_redis(settings, location):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "core.cache.TolerantRedisCache", "LOCATION": location},
    }
    return caches["default"]


def test_a_dead_redis_is_a_miss_and_writes_are_dropped(settings, caplog):
    cache = use_redis(settings, CLOSED)
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.add("k", 1) is True
    assert cache.delete("k") is False
    assert cache.touch("k") is False
    assert cache.get_or_set("k", "computed") == "computed"
    with pytest.raises(ValueError):
        cache.incr("k")
    assert "Redis cache unavailable (ConnectionError)" in caplog.text
    assert "127.0.0.1" not in caplog.text


def test_a_dead_redis_is_not_asked_again_at_once(settings, monkeypatch):
    cache = use_redis(settings, CLOSED)
    cache.get("k")
    calls = []
    monkeypatch.setattr(
        tolerant.RedisCache, "get", lambda *args, **kwargs: calls.append(args) or "fresh"
    )
    assert cache.get("k") is None and calls == []
    monkeypatch.setattr(cache, "_down_until", time.monotonic() - 1)
    assert cache.get("k") == "fresh" and len(calls) == 1


def test_the_client_gives_up_within_its_socket_timeouts(settings):
    cache = use_redis(settings, CLOSED)
    assert cache._options["socket_connect_timeout"] == 1
    assert cache._options["socket_timeout"] == 1
    settings.CACHES["default"]["OPTIONS"] = {"socket_timeout": 3}
    del caches["default"]
    assert caches["default"]._options == {"socket_connect_timeout": 1, "socket_timeout": 3}


def test_a_logged_in_user_keeps_browsing_and_others_log_in_while_redis_is_down(
    client, settings, user
):
    assert client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    use_redis(settings, CLOSED)
    home = client.get(reverse("progress:start"), follow=True)
    assert home.status_code == 200 and home.context["user"] == user
    client.logout()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("progress:start"), follow=True).context["user"] == user


def test_a_wrong_password_is_still_refused_while_redis_is_down(client, settings, user):
    use_redis(settings, CLOSED)
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


@needs_redis
def test_a_live_redis_keeps_values(settings):
    cache = use_redis(settings, LIVE)
    cache.set("tests:core:k", {"a": 1}, 30)
    assert cache.get("tests:core:k") == {"a": 1}
    assert cache.add("tests:core:k", 2) is False
    cache.delete("tests:core:k")


def test_cache_lock_lets_in_one_holder_at_a_time():
    with cache_lock("job", 60) as first:
        assert first is True
        with cache_lock("job", 60) as second:
            assert second is False
        with cache_lock("other-job", 60) as other:
            assert other is True
    with cache_lock("job", 60) as again:
        assert again is True


def test_cache_lock_is_released_when_the_job_raises():
    with pytest.raises(RuntimeError), cache_lock("job", 60):
        raise RuntimeError
    with cache_lock("job", 60) as acquired:
        assert acquired is True


def test_a_lock_that_expired_and_was_taken_by_another_is_not_released_by_the_first():
    cache = caches["default"]
    with cache_lock("job", 60) as first:
        assert first
        cache.set("lock:job", "someone-else", 60)
    assert cache.get("lock:job") == "someone-else"


def test_cache_lock_is_not_taken_while_redis_is_down(settings):
    use_redis(settings, CLOSED)
    with cache_lock("job", 60) as acquired:
        assert acquired is False


@needs_redis
def test_cache_lock_on_a_live_redis(settings):
    use_redis(settings, LIVE)
    with cache_lock("tests-core-job", 60) as first, cache_lock("tests-core-job", 60) as second:
        assert (first, second) == (True, False)
