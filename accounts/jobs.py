"""Background jobs a person starts and watches (BackgroundJob): a bulk enrolment, a portfolio's
PDF or zip. ``create_job`` records one (with its uploaded source file, if any), ``enqueue``
hands it to a worker once the transaction commits (run in-process without a broker, as e-mail
is), and the worker calls the runner registered for its kind, which reports its progress and
returns the result file, stored through the storage API for the person to download.

Apps above accounts register their runners in their AppConfig.ready()::

    register_runner(BackgroundJob.Kind.PORTFOLIO_PDF, build_portfolio_pdf)

A runner is ``func(job, progress) -> (result_bytes, result_name, summary_dict)``; it calls
``progress(done, total=None)`` as it goes, and raises JobError with words for the person when
it cannot finish."""

import logging
import time
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from .models import BackgroundJob

logger = logging.getLogger(__name__)

# At most one write of a job's progress per this many seconds (and one at the end).
PROGRESS_EVERY_SECONDS = 0.5
UNEXPECTED = "Something went wrong while this ran. Please try again; if it keeps failing, tell us."

_RUNNERS = {}


class JobError(Exception):
    """A job that cannot finish; the message says why, in words for the person who started it."""


def register_runner(kind, func):
    """Make ``func`` the runner of jobs of ``kind`` (a BackgroundJob.Kind)."""
    _RUNNERS[BackgroundJob.Kind(kind)] = func


def runner_for(kind):
    return _RUNNERS.get(kind)


def _storage_name(folder, filename):
    safe = get_valid_filename(filename or "file") or "file"
    return f"jobs/{folder}/{uuid.uuid4().hex}-{safe}"


def create_job(
    *,
    kind,
    by,
    organisation=None,
    apprenticeship=None,
    total=0,
    state=BackgroundJob.State.QUEUED,
    source=None,
    source_name="",
    summary=None,
):
    """Record a job started by ``by``; ``source`` (bytes), when given, is kept in the storage
    as its input file under ``source_name``."""
    job = BackgroundJob(
        kind=kind,
        state=state,
        created_by=by,
        organisation=organisation,
        apprenticeship=apprenticeship,
        total=total,
        source_name=source_name[:255],
        summary=summary or {},
    )
    if source:
        job.source = default_storage.save(
            _storage_name(f"{by.pk}/source", source_name or "source"), ContentFile(source)
        )
    job.full_clean()
    job.save()
    return job


def read_source(job):
    """The bytes of the job's source file (b"" when it has none)."""
    if not job.source:
        return b""
    with default_storage.open(job.source, "rb") as handle:
        return handle.read()


def enqueue(job):
    """Hand the job to a worker once the caller's transaction commits (at once outside one).
    A preview job is queued first. A broker that cannot be reached is logged; the job stays
    queued and says so on its page."""
    if job.state == BackgroundJob.State.PREVIEW:
        BackgroundJob.objects.filter(pk=job.pk, state=BackgroundJob.State.PREVIEW).update(
            state=BackgroundJob.State.QUEUED
        )
        job.state = BackgroundJob.State.QUEUED
    pk = job.pk
    transaction.on_commit(lambda: _send(pk))


def _send(pk):
    from .outbox import BROKER_ERRORS
    from .tasks import run_job

    try:
        run_job.apply_async((pk,))
    except BROKER_ERRORS:
        logger.exception("Could not enqueue background job %s", pk)


class Progress:
    """``progress(done, total=None)`` for a runner: keeps the job's figures, writing them to its
    row at most every PROGRESS_EVERY_SECONDS (the page polls it)."""

    def __init__(self, job):
        self.job = job
        self._written = time.monotonic()

    def __call__(self, done, total=None):
        job = self.job
        if total is not None:
            job.total = total
        job.done = min(done, job.total) if job.total else done
        now = time.monotonic()
        if now - self._written >= PROGRESS_EVERY_SECONDS:
            self._written = now
            BackgroundJob.objects.filter(pk=job.pk).update(done=job.done, total=job.total)


def _start(job_id):
    """The job, marked running, or None when it is not waiting to run (already done, or taken
    by another worker). A job found running again was left by a worker that died: it runs
    again (each runner makes a second run harmless)."""
    with transaction.atomic():
        job = (
            BackgroundJob.objects.select_for_update()
            .filter(pk=job_id, state__in=[BackgroundJob.State.QUEUED, BackgroundJob.State.RUNNING])
            .first()
        )
        if job is None:
            return None
        job.state = BackgroundJob.State.RUNNING
        job.started_at = timezone.now()
        job.done = 0
        job.save(update_fields=["state", "started_at", "done"])
    return job


def _finish(job, **fields):
    fields["finished_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=[*fields, "done", "total"])


def run(job_id):
    """Run the job ``job_id``: its runner's result is stored and the job marked done, or the
    job is marked failed with the reason. Never raises for a runner's failure."""
    job = _start(job_id)
    if job is None:
        return None
    runner = runner_for(job.kind)
    try:
        if runner is None:
            raise JobError("This kind of job cannot run here.")
        content, result_name, summary = runner(job, Progress(job))
    except JobError as exc:
        _finish(job, state=BackgroundJob.State.FAILED, error=str(exc))
        return job.state
    except Exception:
        logger.exception("Background job %s (%s) failed", job.pk, job.kind)
        _finish(job, state=BackgroundJob.State.FAILED, error=UNEXPECTED)
        return job.state
    result = ""
    if content:
        result = default_storage.save(
            _storage_name(f"{job.created_by_id}/result", result_name), ContentFile(content)
        )
    job.done = job.total
    _finish(
        job,
        state=BackgroundJob.State.DONE,
        result=result,
        result_name=(result_name or "")[:255],
        summary=summary or {},
        error="",
    )
    return job.state


def jobs_of(user):
    """The jobs ``user`` started: nobody else sees them."""
    return BackgroundJob.objects.filter(created_by=user)
