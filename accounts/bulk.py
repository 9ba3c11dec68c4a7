"""Bulk enrolment, first half: read an uploaded CSV of apprentices and say what would happen
to each row (invite, skip: already enrolled, or an error with the reason) under the same rules
as one invitation (accounts.forms.ApprenticeInviteForm's fields and accounts.rules). Each check
that needs the database reads it once for the whole file, never once per row. The import
itself is accounts.bulk_import."""

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from core.csv import CsvError, csv_reader
from standards.models import Standard

from .forms import ApprenticeInviteForm
from .models import Apprenticeship, Invitation, Membership, User
from .partnerships import active_providers_of
from .rules import programme_date_errors

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = [
    "name",
    "email",
    "standard",
    "version",
    "start",
    "planned_end",
    "mentor_email",
    "tutor_email",
    "weekly_hours",
]
REQUIRED = {"name", "email", "standard", "version", "start", "planned_end"}
TEMPLATE_ROWS = [
    [
        "Alex Example",
        "alex@example.com",
        "ST0825",
        "1.0",
        "2026-09-01",
        "2028-03-01",
        "",
        "",
        "30",
    ]
]

INVITE, SKIP, ERROR = "invite", "skip", "error"
RESULT_WORDS = {INVITE: "will invite", SKIP: "will skip", ERROR: "error"}
# Statuses after which the person is no longer on the programme: they may be enrolled again.
ENDED = (Apprenticeship.Status.WITHDRAWN, Apprenticeship.Status.COMPLETED)

# The invitation form's own fields, so a row is read by the same rules as the form.
_FIELDS = ApprenticeInviteForm.base_fields


class BulkFileError(Exception):
    """The file cannot be read at all; the message says why, for the upload form."""


@dataclass
class Row:
    number: int  # the line of the file (the header is line 1)
    cells: dict
    result: str = INVITE
    reason: str = ""
    data: dict = field(default_factory=dict)

    @property
    def email(self):
        return self.data.get("email") or self.cells.get("email", "")

    @property
    def name(self):
        return self.cells.get("name", "")

    @property
    def words(self):
        words = RESULT_WORDS[self.result]
        return f"{words}: {self.reason}" if self.reason else words

    def fail(self, reason):
        if self.result != ERROR:
            self.result, self.reason = ERROR, reason


def _header_key(text):
    return "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


def read_rows(content):
    """The rows of the CSV ``content`` (bytes): [Row], or BulkFileError for a file that is
    too big, not UTF-8, or without the columns."""
    if len(content) > MAX_BYTES:
        raise BulkFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkFileError("The file is not UTF-8 text: save it as “CSV UTF-8”.") from None
    reader = csv_reader(text)
    try:
        header = next(reader, None)
    except CsvError:
        raise BulkFileError("The file is not a CSV file.") from None
    if not header or not any(cell.strip() for cell in header):
        raise BulkFileError("The file is empty: it needs a header row and a row per apprentice.")
    keys = [_header_key(cell) for cell in header]
    missing = [name for name in COLUMNS if name in REQUIRED and name not in keys]
    if missing:
        raise BulkFileError(
            f"The header row lacks {', '.join(missing)}. Start from the template: "
            f"{','.join(COLUMNS)}."
        )
    rows = []
    try:
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            if len(rows) >= MAX_ROWS:
                raise BulkFileError(
                    f"The file has more than {MAX_ROWS:,} apprentices: split it in parts."
                )
            cells = {
                key: value.strip() for key, value in zip(keys, line, strict=False) if key in COLUMNS
            }
            rows.append(Row(number=reader.line_num, cells=cells))
    except CsvError as exc:
        raise BulkFileError(f"Line {reader.line_num} cannot be read: {exc}.") from None
    if not rows:
        raise BulkFileError("The file has a header row but no apprentices.")
    return rows


def _messages(error):
    return " ".join(error.messages)


def _clean(row, name, form_field, value):
    try:
        row.data[name] = form_field.clean(value)
    except ValidationError as error:
        row.fail(f"{name.replace('_', ' ')}: {_messages(error)}")


def _clean_date(row, name, value):
    if not value:
        row.fail(f"{name.replace('_', ' ')}: enter a date (YYYY-MM-DD).")
        return
    _clean(row, name, forms.DateField(), value)


@dataclass
class Context:
    """What the checks of a file read from the database, once for all of its rows."""

    organisation: object
    provider: object = None  # the provider enrolling, when a provider manager does
    standards: dict = field(default_factory=dict)  # (REFERENCE, version) -> Standard
    references: dict = field(default_factory=dict)  # REFERENCE -> [approved versions]
    mentors: dict = field(default_factory=dict)  # email -> User
    tutors: dict = field(default_factory=dict)  # email -> (User, provider)
    enrolled: set = field(default_factory=set)  # (email, REFERENCE) already on the programme
    invited: dict = field(default_factory=dict)  # (email, standard id) -> open invitation


def load_context(organisation, emails, *, provider=None):
    """The Context of a file whose apprentices' e-mails (lower case) are ``emails``."""
    context = Context(organisation=organisation, provider=provider)
    for standard in Standard.objects.approved().order_by("reference", "version"):
        context.standards[standard.reference.upper(), standard.version] = standard
        context.references.setdefault(standard.reference.upper(), []).append(standard.version)
    members = User.objects.filter(memberships__organisation=organisation, is_active=True)
    context.mentors = {user.email.lower(): user for user in members}
    providers = (
        [provider.pk]
        if provider
        else list(active_providers_of(organisation).values_list("pk", flat=True))
    )
    tutors = (
        Membership.objects.filter(
            organisation_id__in=providers,
            user__is_active=True,
            role__in=[Membership.Role.TUTOR, Membership.Role.MANAGER],
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "pk")
    )
    for membership in tutors:
        context.tutors.setdefault(
            membership.user.email.lower(), (membership.user, membership.organisation)
        )
    emails = sorted(emails)
    on_programme = (
        Apprenticeship.objects.filter(organisation=organisation, apprentice__isnull=False)
        .exclude(status__in=ENDED)
        .annotate(email=Lower("apprentice__email"))
        .filter(email__in=emails)
        .values_list("email", "standard__reference")
    )
    context.enrolled = {(email, reference.upper()) for email, reference in on_programme}
    open_invitations = (
        Invitation.objects.filter(
            organisation=organisation,
            kind=Invitation.Kind.APPRENTICE,
            apprenticeship__isnull=False,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
    )
    context.invited = {(i.lower_email, i.standard_id): i for i in open_invitations}
    return context


def _check_standard(row, context):
    reference = row.cells.get("standard", "").upper()
    version = row.cells.get("version", "")
    if not reference:
        row.fail("standard: enter the standard's reference, such as ST0825.")
        return
    versions = context.references.get(reference)
    if not versions:
        row.fail(f"standard: {reference} is not a standard approved for delivery.")
        return
    if not version:
        row.fail(f"version: choose the version of {reference} ({', '.join(versions)}).")
        return
    standard = context.standards.get((reference, version))
    if standard is None:
        row.fail(
            f"version: {reference} has no version {version} approved for delivery "
            f"(approved: {', '.join(versions)})."
        )
        return
    row.data["standard"] = standard


def _check_people(row, context):
    email = row.data.get("email", "")
    mentor_email = row.cells.get("mentor_email", "").lower()
    if mentor_email:
        mentor = context.mentors.get(mentor_email)
        if mentor is None:
            row.fail(f"mentor: {mentor_email} is not a member of {context.organisation}.")
        elif email and mentor_email == email.lower():
            row.fail("mentor: an apprentice cannot be their own mentor.")
        else:
            row.data["mentor"] = mentor
    tutor_email = row.cells.get("tutor_email", "").lower()
    if tutor_email:
        found = context.tutors.get(tutor_email)
        if found is None:
            where = (
                str(context.provider)
                if context.provider
                else f"a training provider in partnership with {context.organisation}"
            )
            row.fail(f"tutor: {tutor_email} is not a tutor or manager of {where}.")
        elif email and tutor_email == email.lower():
            row.fail("tutor: an apprentice cannot be their own tutor.")
        else:
            row.data["tutor"], row.data["provider"] = found
    elif context.provider:
        row.data["provider"] = context.provider


def check_row(row, context, today):
    """Set ``row``'s result: the invitation form's field rules, the programme's dates, the
    standard's version, the mentor and tutor, then whether the person is already enrolled."""
    cells = row.cells
    _clean(row, "full_name", _FIELDS["full_name"], " ".join(cells.get("name", "").split()))
    _clean(row, "email", _FIELDS["email"], cells.get("email", ""))
    if "email" in row.data:
        local, _, domain = row.data["email"].rpartition("@")
        row.data["email"] = f"{local}@{domain.lower()}"
    _check_standard(row, context)
    _clean_date(row, "start_date", cells.get("start", ""))
    _clean_date(row, "planned_end_date", cells.get("planned_end", ""))
    start, end = row.data.get("start_date"), row.data.get("planned_end_date")
    if start and end:
        for name, error in programme_date_errors(start, end, today).items():
            row.fail(f"{name.replace('_', ' ')}: {_messages(error)}")
    hours = cells.get("weekly_hours", "")
    if hours:
        _clean(row, "weekly_hours", _FIELDS["weekly_hours"], hours)
    _check_people(row, context)
    if row.result == ERROR:
        return
    email, standard = row.data["email"].lower(), row.data["standard"]
    if (email, standard.reference.upper()) in context.enrolled:
        row.result, row.reason = SKIP, "already enrolled"
    elif (email, standard.pk) in context.invited:
        row.result, row.reason = SKIP, "already invited onto this standard"


def check_rows(rows, organisation, *, provider=None, today=None):
    """Check every row of a file (see check_row); a later row with an e-mail seen on an
    earlier row is an error. Returns the rows."""
    today = today or date.today()
    emails = {row.cells.get("email", "").strip().lower() for row in rows}
    context = load_context(organisation, emails - {""}, provider=provider)
    first_seen = {}
    for row in rows:
        check_row(row, context, today)
        key = row.cells.get("email", "").strip().lower()
        if not key:
            continue
        if key in first_seen:
            row.result, row.reason = ERROR, f"the same e-mail as row {first_seen[key]}"
        else:
            first_seen[key] = row.number
    return rows


def counts(rows):
    """{"invite": n, "skip": n, "error": n} of checked rows."""
    tally = {INVITE: 0, SKIP: 0, ERROR: 0}
    for row in rows:
        tally[row.result] += 1
    return tally
