"""Prometheus metrics at /metrics, when METRICS_ENABLED is on: request latency by view, Celery
task outcomes, and the depth of the task queue, read when scraped.

Labels take bounded values only (the resolved view's name, never the path; a handful of methods),
so the number of series stays fixed however many apprentices or URLs there are. Under gunicorn
each worker process keeps its own counts: with PROMETHEUS_MULTIPROC_DIR set (an empty folder,
emptied at each start; config/gunicorn.py marks dead workers) any worker's /metrics sums them
all. Other parts of the project add what they know at scrape time with register_collector().
"""

import hmac
import os
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request, by the view that answered it.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter(
    "celery_tasks", "Celery task runs that ended, by task and outcome.", ["task", "outcome"]
)

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNRESOLVED = "<unresolved>"

_collectors = []


def register_collector(collector):
    """Add an object whose collect() yields metric families, asked at every scrape (e.g. the
    outbox's e-mails by status). Register it once, at import or in an AppConfig.ready()."""
    if collector not in _collectors:
        _collectors.append(collector)


def unregister_collector(collector):
    if collector in _collectors:
        _collectors.remove(collector)


class _ThisProcess:
    """The metrics of this process (one process: runserver, tests, a single worker)."""

    def collect(self):
        return REGISTRY.collect()


class QueueDepthCollector:
    """Tasks waiting in the Celery queue, when the broker is Redis (a list per queue). Without a
    broker (tasks run in-process) or with another broker, nothing is reported."""

    def collect(self):
        url = getattr(settings, "CELERY_BROKER_URL", "") or ""
        if not url.startswith(("redis://", "rediss://")):
            return
        import redis

        queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
        family = GaugeMetricFamily(
            "celery_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"]
        )
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            family.add_metric([queue], client.llen(queue))
        except redis.RedisError:
            return  # a broker that is down has no depth to report; /readyz says it is down
        finally:
            client.close()
        yield family


register_collector(QueueDepthCollector())


def scrape():
    """The text a Prometheus server reads: every process's metrics and the registered ones."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in _collectors:
        registry.register(collector)
    return generate_latest(registry)


@require_safe
def metrics_view(request):
    if not settings.METRICS_ENABLED:
        raise Http404
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    response = HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


class MetricsMiddleware:
    """Times each request and counts it under the view that answered it."""

    def __init__(self, get_response):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        status = "5xx"
        try:
            response = self.get_response(request)
            status = f"{response.status_code // 100}xx"
            return response
        finally:
            match = getattr(request, "resolver_match", None)
            REQUEST_LATENCY.labels(
                view=match.view_name if match else UNRESOLVED,
                method=request.method if request.method in METHODS else "other",
                status=status,
            ).observe(time.perf_counter() - start)


def _task_name(sender):
    return getattr(sender, "name", None) or "unknown"


def connect_task_signals():
    """Count Celery task outcomes; called once per process when metrics are on."""
    from celery import signals

    def on_success(sender=None, **kwargs):
        TASKS.labels(task=_task_name(sender), outcome="success").inc()

    def on_failure(sender=None, **kwargs):
        TASKS.labels(task=_task_name(sender), outcome="failure").inc()

    def on_retry(sender=None, **kwargs):
        TASKS.labels(task=_task_name(sender), outcome="retry").inc()

    signals.task_success.connect(on_success, weak=False, dispatch_uid="core.metrics.success")
    signals.task_failure.connect(on_failure, weak=False, dispatch_uid="core.metrics.failure")
    signals.task_retry.connect(on_retry, weak=False, dispatch_uid="core.metrics.retry")
