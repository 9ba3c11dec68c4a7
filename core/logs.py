"""Log lines that can be followed across processes, and error reports when asked for.

Every record gets the id of the request or task it was written for (core.request_id), so one
grep finds everything an action did on the web, in the worker and at the mail server. In
production the lines are JSON (LOG_FORMAT=json, the default with DEBUG off), one object a line,
for a log shipper to read without parsing text. Nothing here imports Django's settings: gunicorn
loads this module for its own logs before Django starts.
"""

import logging
from datetime import UTC, datetime

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

from core import request_id

# The fields of every line, in order; anything passed in `extra=` follows them.
FIELDS = ["time", "level", "logger", "message", "request_id"]


class RequestIdFilter(logging.Filter):
    """Puts the current request's or task's id on each record ("-" outside both), keeping one a
    record already carries (gunicorn's access log sets its own)."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, and
    `exception` with the traceback when there is one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*_RESERVED, "request_id"])
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data, record, message_dict):
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data["request_id"] = getattr(record, "request_id", "") or request_id.get() or "-"
        for key, value in record.__dict__.items():
            if key not in self._skip_fields and not key.startswith("_"):
                log_data[key] = value
        log_data.update(message_dict)
        if record.exc_info or record.exc_text:
            log_data["exception"] = message_dict.get("exc_info") or record.exc_text
            log_data.pop("exc_info", None)


# Record attributes that are no field of their own: the library's (LogRecord's), and the objects
# Django's request logger passes along.
_RESERVED = [*RESERVED_ATTRS, "request", "status_code", "server_time"]


class GunicornAccessFilter(logging.Filter):
    """Gunicorn's access log line carries the request id the app answered with (the response's
    X-Request-ID, which core.middleware set: the proxy's or a new one)."""

    def filter(self, record):
        if isinstance(record.args, dict):
            record.request_id = record.args.get("{x-request-id}o") or "-"
        return True


TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format, level="INFO"):
    """The LOGGING setting: everything to standard output through one handler, in `log_format`
    ("json" or "text"), with the request id on every record."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logs.RequestIdFilter"}},
        "formatters": {"json": {"()": "core.logs.JsonFormatter"}, "text": {"format": TEXT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers write through this handler only: its default adds a plain console
        # handler with DEBUG on (every line twice, one of them without the id).
        "loggers": {
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            # WeasyPrint narrates every step of every PDF at INFO; its warnings still show.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }


def init_sentry(dsn, *, environment, release):
    """Error reports to Sentry (or any server speaking its protocol), with the Django and Celery
    integrations. No personal data is sent: no user e-mail, IP address, cookies or request
    bodies; an error's stack and the request id are enough to find what happened."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        # Errors only: tracing every request is another product's job.
        traces_sample_rate=0.0,
    )
