"""The id of the request (or task) being served, for every log line it writes: set by
core.middleware.RequestIdMiddleware for a request, passed with each task a request enqueues and
set again while the task runs, so one id follows an action from the browser to the mail server."""

import contextvars
import re
import uuid

_current = contextvars.ContextVar("request_id", default="")

# What a proxy may hand us as X-Request-ID: short, and nothing that could forge a log line.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new():
    return uuid.uuid4().hex


def acceptable(value):
    """The id a client or proxy sent, when it is safe to keep; else None."""
    return value if value and _ACCEPTABLE.match(value) else None


def get():
    """The current request's or task's id, or "" outside both."""
    return _current.get()


def bind(value):
    """Make value the current id; returns a token for reset()."""
    return _current.set(value)


def reset(token):
    _current.reset(token)
