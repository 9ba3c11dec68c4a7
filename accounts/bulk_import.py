"""Bulk enrolment, second half: the upload makes a job waiting for confirmation (its preview),
and the confirmed job invites every row that passes, a batch at a time (accounts.bulk_invite:
what the invitation service does for one, each e-mail through the outbox), then leaves a result
file: per row, what happened and why.

Runs as a background job (accounts.jobs); a job run twice invites nobody twice (each row's
invitation carries a key made from the job and the row, and a second run finds them open)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.csv import csv_bytes

from .bulk import COLUMNS, ERROR, INVITE, SKIP, BulkFileError, check_rows, counts, read_rows
from .bulk_invite import apprentices_invite_many, batches
from .jobs import JobError, create_job, enqueue, read_source
from .models import BackgroundJob, Invitation, Organisation
from .permissions import Action, NotAllowed, may, role_on_organisation

RESULT_HEADER = ["row", "name", "email", "standard", "result", "reason", "invitation"]
RESULT_WORDS = {INVITE: "invited", SKIP: "skipped", ERROR: "error"}
# The state of the row's invitation link: sent now, one already open, or none.
INVITATION_WORDS = {INVITE: "sent", SKIP: "already open", ERROR: ""}
ENTRY_FIELDS = [
    "email",
    "full_name",
    "standard",
    "start_date",
    "planned_end_date",
    "mentor",
    "weekly_hours",
    "provider",
    "tutor",
]
# The keys of each row's invitation: the same job and row always give the same key.
_KEYS = uuid.UUID("6f1d3c2e-17b5-4e0a-9c7d-b0a1e2f3c4d5")


def template_csv():
    """The template file offered on the upload page: the header and one example row."""
    from .bulk import TEMPLATE_ROWS

    return csv_bytes(COLUMNS, TEMPLATE_ROWS)


def _enrolling(user, organisation, provider):
    """Raise NotAllowed unless ``user`` may enrol in bulk, at ``provider`` when a provider's
    manager enrols for a partner employer, else at ``organisation`` itself."""
    role = role_on_organisation(user, provider or organisation)
    if not may(role, Action.BULK_ENROL):
        raise NotAllowed(Action.BULK_ENROL)


def bulk_enrol_preview(*, user, organisation, content, filename, provider=None):
    """Read and check the uploaded file (BulkFileError when it cannot be read) and keep it in
    a job waiting for confirmation, with the counts of its rows' results."""
    _enrolling(user, organisation, provider)
    rows = check_rows(read_rows(content), organisation, provider=provider)
    summary = counts(rows)
    if provider is not None:
        summary["_provider"] = provider.pk
    return create_job(
        kind=BackgroundJob.Kind.BULK_ENROLMENT,
        by=user,
        organisation=organisation,
        total=len(rows),
        state=BackgroundJob.State.PREVIEW,
        source=content,
        source_name=filename,
        summary=summary,
    )


def provider_of(job):
    """The provider that enrols with ``job``, or None when the employer does."""
    pk = job.summary.get("_provider")
    return Organisation.objects.get(pk=pk) if pk else None


def preview_rows(job):
    """The checked rows of a job's file, as they stand now."""
    return check_rows(read_rows(read_source(job)), job.organisation, provider=provider_of(job))


def bulk_enrol_confirm(*, user, job):
    """Start the import of a previewed file (once: a job already started is left alone)."""
    _enrolling(user, job.organisation, provider_of(job))
    with transaction.atomic():
        locked = BackgroundJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != BackgroundJob.State.PREVIEW:
            return locked
        enqueue(locked)
    return locked


def _build_url(path):
    return settings.SITE_URL.rstrip("/") + path


def _entry(job, row):
    return {
        **{name: row.data.get(name) for name in ENTRY_FIELDS},
        "submission_key": uuid.uuid5(_KEYS, f"{job.pk}:{row.number}"),
    }


def _invite(job, rows):
    """Invite ``rows`` (all "invite") in one batch; when the database refuses one, each row
    alone, so that one clash costs only its own row. Sets each row's result."""
    try:
        apprentices_invite_many(
            organisation=job.organisation,
            invited_by=job.created_by,
            entries=[_entry(job, row) for row in rows],
            build_url=_build_url,
        )
    except (IntegrityError, ValidationError) as exc:
        if len(rows) > 1:
            for row in rows:
                _invite(job, [row])
            return
        (row,) = rows
        if isinstance(exc, ValidationError):
            row.result, row.reason = ERROR, " ".join(exc.messages)
        elif Invitation.objects.filter(submission_key=_entry(job, row)["submission_key"]).exists():
            row.result, row.reason = SKIP, "already invited onto this standard"
        else:
            row.result, row.reason = ERROR, "invited by someone else meanwhile"


def run_bulk_enrolment(job, progress):
    """The runner of a confirmed bulk enrolment (accounts.jobs): the rows are checked again
    (things may have changed since the preview), then invited a batch at a time."""
    provider = provider_of(job)
    try:
        _enrolling(job.created_by, job.organisation, provider)
    except NotAllowed:
        raise JobError("You may no longer enrol apprentices at this organisation.") from None
    try:
        rows = preview_rows(job)
    except BulkFileError as exc:
        raise JobError(str(exc)) from None
    progress(0, total=len(rows))
    to_invite = [row for row in rows if row.result == INVITE]
    done = len(rows) - len(to_invite)
    progress(done)
    for batch in batches(to_invite):
        _invite(job, batch)
        done += len(batch)
        progress(done)
    lines = [
        [
            row.number,
            row.name,
            row.email,
            _standard_words(row),
            RESULT_WORDS[row.result],
            row.reason,
            INVITATION_WORDS[row.result] if row.reason != "already enrolled" else "",
        ]
        for row in rows
    ]
    tally = counts(rows)
    summary = {"invited": tally[INVITE], "skipped": tally[SKIP], "errors": tally[ERROR]}
    if provider is not None:
        summary["_provider"] = provider.pk
    name = f"bulk-enrolment-{job.created_at:%Y-%m-%d}-result.csv"
    return csv_bytes(RESULT_HEADER, lines), name, summary


def _standard_words(row):
    standard = row.data.get("standard")
    if standard is not None:
        return f"{standard.reference} v{standard.version}"
    return " ".join(filter(None, [row.cells.get("standard"), row.cells.get("version")]))
