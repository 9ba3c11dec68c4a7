"""/metrics: absent unless switched on, guarded by a token when one is set, and labelled by
view names only, so the number of series is bounded."""

import pytest
from celery import Celery
from prometheus_client.core import GaugeMetricFamily

from core import metrics

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


@pytest.fixture
def enabled(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""
    return settings


def sample(name, **labels):
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0


def test_metrics_are_not_found_when_off(client, settings):
    settings.METRICS_ENABLED = False
    assert client.get("/metrics").status_code == 404


def test_metrics_list_request_latency_by_view_name(client, enabled):
    before = sample(
        "http_request_duration_seconds_count", view="account_login", method="GET", status="2xx"
    )
    assert client.get("/accounts/login/").status_code == 200
    client.get("/no-such-page/12345/")
    response = client.get("/metrics", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "# TYPE http_request_duration_seconds histogram" in text
    assert 'view="account_login"' in text
    # An unknown path is counted under one label, never under its own path.
    assert 'view="<unresolved>"' in text and "no-such-page" not in text
    after = sample(
        "http_request_duration_seconds_count", view="account_login", method="GET", status="2xx"
    )
    assert after == before + 1


def test_an_unusual_method_is_counted_as_other(client, enabled):
    client.generic("PROPFIND", "/accounts/login/")
    assert (
        sample(
            "http_request_duration_seconds_count",
            view="account_login",
            method="other",
            status="4xx",
        )
        >= 1
    )


def test_a_token_is_required_when_set(client, enabled):
    enabled.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200
    assert b"http_request_duration_seconds" in ok.content


def test_registered_collectors_are_asked_at_each_scrape(client, enabled):
    class Outbox:
        calls = 0

        def collect(self):
            Outbox.calls += 1
            family = GaugeMetricFamily("outbox_emails", "E-mails by status.", labels=["status"])
            family.add_metric(["pending"], 3)
            yield family

    collector = Outbox()
    metrics.register_collector(collector)
    metrics.register_collector(collector)
    try:
        text = client.get("/metrics").content.decode()
        assert 'outbox_emails{status="pending"} 3.0' in text
        assert Outbox.calls == 1
    finally:
        metrics.unregister_collector(collector)
    assert "outbox_emails" not in client.get("/metrics").content.decode()


def test_queue_depth_is_absent_without_a_redis_broker(client, enabled):
    enabled.CELERY_BROKER_URL = "memory://"
    assert "celery_queue_length" not in client.get("/metrics").content.decode()


def test_queue_depth_is_skipped_while_the_broker_is_down(client, enabled):
    enabled.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "celery_queue_length{" not in response.content.decode()


def test_queue_depth_is_the_length_of_the_redis_list(enabled, monkeypatch):
    enabled.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"

    class FakeRedis:
        def llen(self, name):
            assert name == "celery"
            return 4

        def close(self):
            pass

    import redis

    monkeypatch.setattr(redis.Redis, "from_url", classmethod(lambda cls, url, **kw: FakeRedis()))
    assert 'celery_queue_length{queue="celery"} 4.0' in metrics.scrape().decode()


def test_task_outcomes_are_counted_by_task_name():
    metrics.connect_task_signals()
    app = Celery("metrics-test", set_as_current=False)
    app.conf.task_always_eager = True

    @app.task(name="tests.metrics.works")
    def works():
        return 1

    @app.task(name="tests.metrics.fails")
    def fails():
        raise RuntimeError("no")

    before = sample("celery_tasks_total", task="tests.metrics.works", outcome="success")
    works.apply()
    fails.apply()
    assert sample("celery_tasks_total", task="tests.metrics.works", outcome="success") == before + 1
    assert sample("celery_tasks_total", task="tests.metrics.fails", outcome="failure") >= 1
