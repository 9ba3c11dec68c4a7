"""gunicorn's settings for this app: `gunicorn -c config/gunicorn.py config.wsgi`.

Everything a deployment changes comes from the environment, as for the app (see the README):
PORT (8000) and BIND (all interfaces), WEB_CONCURRENCY worker processes (2 x cores + 1),
WEB_TIMEOUT seconds a request may take before its worker is replaced (30), FORWARDED_ALLOW_IPS
(the proxies whose X-Forwarded-* headers are believed; 127.0.0.1 by default), LOG_FORMAT (json
or text, as the app's) and PROMETHEUS_MULTIPROC_DIR (see core/metrics.py).
"""

import multiprocessing
import os
from pathlib import Path

_debug = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Sync workers: each request has a process to itself, and the app's requests are short.
worker_class = "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
# Longer than the balancer's idle timeout, so the balancer closes idle connections, not us.
keepalive = 75
# A worker is replaced after this many requests (with jitter so they do not restart together):
# memory a request leaks is given back.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Requests' headers and lines beyond these are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100

accesslog = "-"
errorlog = "-"
# The response's X-Request-ID (the proxy's, or the one the app made) is the request id of the line.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
)
_format = os.environ.get("LOG_FORMAT", "").strip().lower() or ("text" if _debug else "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "access_request_id": {"()": "core.logs.GunicornAccessFilter"},
    },
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": _format,
            "filters": ["request_id"],
        },
        "access": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": _format,
            "filters": ["access_request_id", "request_id"],
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}


def on_starting(server):
    """Prometheus' per-process files from an earlier run would be counted again: start empty.
    Each gunicorn instance needs a folder of its own."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """A worker that exits stops counting as live in the gauges of the metrics it left."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
