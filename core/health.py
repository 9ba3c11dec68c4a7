"""Probes for a load balancer or an orchestrator: /healthz says the process answers (restart it
if not), /readyz says it can serve (send it traffic if so): the database, the shared cache and,
when there is one, the broker are reachable, each within a short timeout.

Both are answered by ProbeMiddleware, first in MIDDLEWARE, before sessions, CSRF, the
ALLOWED_HOSTS check and the HTTPS redirect: a balancer asks by IP address over plain HTTP, and a
probe must cost nothing and depend on nothing it does not check. They say which part failed and
never why: no exception text, host name or password reaches the answer (the log has the error).
"""

import json
import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.http import HttpResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# The probe query may take this long on PostgreSQL; a database this slow is not ready.
STATEMENT_TIMEOUT_MS = 2000
BROKER_TIMEOUT_SECONDS = 2


def check_database(alias="default"):
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # LOCAL: for this transaction only, not the connection the next request reuses.
            cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache(alias="default"):
    """A value written and read back: core.cache's Redis cache answers a miss instead of raising
    while Redis is down, so reading back is what tells."""
    cache = caches[alias]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    found = cache.get(key)
    cache.delete(key)
    if found != "ok":
        raise ConnectionError("the cache did not keep a value")


def broker_url():
    """The broker tasks go to, or "" when they run in-process (no broker to check)."""
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    return "" if url.startswith("memory://") else url


def check_broker(url):
    # Imported here: kombu comes with Celery, and only a deployment with a broker needs it.
    from kombu import Connection

    with Connection(
        url,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options={
            "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
            "socket_timeout": BROKER_TIMEOUT_SECONDS,
            "max_retries": 0,
        },
    ) as connection:
        connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)


def readiness():
    """Each part's state, "ok" or "unreachable", and whether all are ok."""
    checks = {"database": check_database, "cache": check_cache}
    url = broker_url()
    if url:
        checks["broker"] = lambda: check_broker(url)
    parts = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            # Whatever the driver raised (its message may name the host): logged, not shown.
            logger.warning("readyz: %s unreachable", name, exc_info=True)
            parts[name] = "unreachable"
        else:
            parts[name] = "ok"
    return parts, all(state == "ok" for state in parts.values())


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz(request):
    return _no_store(HttpResponse("ok", content_type="text/plain"))


@require_safe
def readyz(request):
    parts, ready = readiness()
    return _no_store(
        HttpResponse(
            json.dumps(parts), content_type="application/json", status=200 if ready else 503
        )
    )


class ProbeMiddleware:
    """Answers /healthz and /readyz (and /metrics, core.metrics) before any other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = _probe_views().get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)


def _probe_views():
    from core import metrics

    views = {"/healthz": healthz, "/readyz": readyz}
    if getattr(settings, "METRICS_ENABLED", False):
        views["/metrics"] = metrics.metrics_view
    return views
