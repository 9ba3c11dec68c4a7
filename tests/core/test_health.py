"""/healthz and /readyz: cheap, unauthenticated, never cached, and a failing part named without
a word of why (no host, password or exception text)."""

import json

import pytest
from django.db import OperationalError, connections

from core import health

pytestmark = pytest.mark.django_db

SECRET = "db.internal.example password=hunter2"
# Hosts a probe may use that are not in ALLOWED_HOSTS: a balancer asks by address over HTTP.
PROBE = {"HTTP_HOST": "10.0.0.7:8000"}


@pytest.fixture
def production_like(settings):
    settings.ALLOWED_HOSTS = ["skills.example.org"]
    settings.SECURE_SSL_REDIRECT = True


def test_healthz_answers_ok_without_the_database(
    client, production_like, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz", **PROBE)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


def test_readyz_is_200_when_every_part_answers(client, production_like):
    response = client.get("/readyz", **PROBE)
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_probes_are_also_urls_of_the_site(client):
    assert client.get("/readyz/").status_code == 404
    assert client.get("/healthz", HTTP_HOST="localhost").status_code == 200


def test_other_paths_still_check_the_host_and_redirect_to_https(client, production_like):
    assert client.get("/accounts/login/", **PROBE).status_code == 400


class BrokenConnection:
    vendor = "postgresql"

    def cursor(self):
        raise OperationalError(f"could not connect to server {SECRET}")


def test_a_database_that_fails_is_named_and_nothing_of_its_error_shown(
    client, production_like, monkeypatch, caplog
):
    monkeypatch.setattr(health, "connections", {"default": BrokenConnection()})
    response = client.get("/readyz", **PROBE)
    assert response.status_code == 503
    assert json.loads(response.content) == {"database": "unreachable", "cache": "ok"}
    assert b"hunter2" not in response.content and b"internal" not in response.content
    # The operator finds the reason in the log.
    assert any("database unreachable" in record.getMessage() for record in caplog.records)


def test_a_real_database_answers_the_probe_query():
    health.check_database()
    assert connections["default"].vendor in {"sqlite", "postgresql"}


def test_a_cache_at_a_closed_port_is_named(client, settings, production_like):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    response = client.get("/readyz", **PROBE)
    assert response.status_code == 503
    assert json.loads(response.content) == {"database": "ok", "cache": "unreachable"}
    assert b"127.0.0.1" not in response.content


def test_a_cache_that_raises_is_named(client, settings, production_like):
    """Django's own RedisCache raises instead of missing: the same answer."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }
    response = client.get("/readyz", **PROBE)
    assert response.status_code == 503
    assert json.loads(response.content)["cache"] == "unreachable"


def test_the_broker_is_checked_only_when_there_is_one(client, settings, production_like):
    settings.CELERY_BROKER_URL = "memory://"
    assert "broker" not in json.loads(client.get("/readyz", **PROBE).content)
    settings.CELERY_BROKER_URL = "redis://:s3cret@127.0.0.1:1/0"
    response = client.get("/readyz", **PROBE)
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "database": "ok",
        "cache": "ok",
        "broker": "unreachable",
    }
    assert b"s3cret" not in response.content


def test_a_broker_that_answers_is_ok(monkeypatch, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    checked = []
    monkeypatch.setattr(health, "check_broker", checked.append)
    assert health.readiness() == (
        {"database": "ok", "cache": "ok", "broker": "ok"},
        True,
    )
    assert checked == ["redis://127.0.0.1:6379/2"]


def test_probes_answer_only_reads(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
    assert client.head("/healthz").status_code == 200


def redis_running():
    import redis

    try:
        return redis.Redis.from_url("redis://127.0.0.1:6379/2", socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_running(), reason="no Redis at 127.0.0.1:6379")
def test_a_live_redis_cache_and_broker_are_ok(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/2",
        },
    }
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "cache": "ok", "broker": "ok"}
