"""The Celery application: settings from Django's (the CELERY_ ones), tasks from each app's
tasks.py, and the request id carried from the request that enqueues a task to the task."""

import os

from celery import Celery, signals

from core import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"

# Each running task's token for resetting the id it bound, by task id.
_bound = {}


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    """Put the current request's id in the message, so the task's log lines carry it."""
    current = request_id.get()
    if headers is not None and current and not headers.get(REQUEST_ID_HEADER):
        headers[REQUEST_ID_HEADER] = current


@signals.task_prerun.connect
def _bind_request_id(task_id=None, task=None, **kwargs):
    """While the task runs, its id is the enqueuing request's (a fresh one if it had none).
    In-process (eager) tasks keep the id of the request they run in."""
    # A worker puts a message's own headers among the request's attributes; Task.apply keeps
    # them under "headers".
    sent = request_id.acceptable(
        getattr(task.request, REQUEST_ID_HEADER, None)
        or (getattr(task.request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    )
    _bound[task_id] = request_id.bind(sent or request_id.get() or request_id.new())


@signals.task_postrun.connect
def _unbind_request_id(task_id=None, **kwargs):
    token = _bound.pop(task_id, None)
    if token is not None:
        request_id.reset(token)
