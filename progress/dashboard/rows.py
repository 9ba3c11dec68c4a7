"""The dashboard's rows: only the rows of the page (or of the CSV) are loaded, as plain values
from the stored tally, and their figures for the day are worked out by the Python forms of the
rules, which tests/progress/test_rules.py checks against the SQL forms that sorted, filtered
and counted them (query.py)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, F, OuterRef, Subquery, When

from accounts.models import Apprenticeship, Invitation, User
from accounts.rules import duration_months, month_of_programme
from core.tables import url_for_each
from tracker.models import Evidence
from tracker.rules import expected_tenths, is_on_track, is_overdue, waiting_days

from ..models import Tally
from ..rules import attention_reasons, gateway_lines


@dataclass
class Row:
    """One row of the table (and of its CSV): an apprenticeship's figures for a day."""

    pk: int
    url: str
    evidence_url: str
    apprentice: str
    apprentice_email: str
    invited: bool  # no apprentice yet: ``apprentice`` is the name the invitation was sent to
    mentor: str
    standard_reference: str
    standard_version: str
    status: str
    month: int
    duration_months: int
    duties_signed: int
    duties_total: int
    ksbs_covered: int
    ksbs_total: int
    coverage: int
    accepted_hundredths: int
    expected_tenths: int
    evidence_waiting: int
    scan_waiting: bool
    latest_scan_status: str | None
    latest_review_signed: bool
    next_review_on: date
    review_days: int
    last_activity: object
    behind: bool
    review_overdue: bool
    attention: list
    ready_for_gateway: bool
    evidence_days: int | None = None  # how long the oldest piece waiting for review has waited
    employer: str = ""
    tutor: str = ""

    @property
    def status_label(self):
        return Apprenticeship.Status(self.status).label

    @property
    def accepted_hours(self):
        return Decimal(self.accepted_hundredths) / 100

    @property
    def expected_hours(self):
        return Decimal(self.expected_tenths) / 10


_ROW_FIELDS = (
    "apprenticeship",
    "status",
    "start_date",
    "duties_signed",
    "duties_total",
    "ksbs_covered",
    "ksbs_total",
    "coverage",
    "accepted_hundredths",
    "evidence_waiting",
    "scan_waiting",
    "latest_scan_status",
    "latest_review_signed",
    "review_due_on",
    "last_activity",
    "apprentice__full_name",
    "apprentice__email",
    "mentor__full_name",
    "mentor__email",
    "tutor__full_name",
    "tutor__email",
    "organisation__name",
    "standard__reference",
    "standard__version",
    "apprenticeship__planned_end_date",
    "apprenticeship__otj_target_hours",
)


def _latest_invitation(field):
    """The ``field`` of the latest invitation onto each tally's apprenticeship while it has no
    apprentice (the person invited), else NULL: read in the rows' own query."""
    invitations = Invitation.objects.filter(
        apprenticeship=OuterRef("apprenticeship"), kind=Invitation.Kind.APPRENTICE
    ).order_by("-sent_at", "-pk")
    return Case(When(apprentice__isnull=True, then=Subquery(invitations.values(field)[:1])))


def _oldest_waiting():
    """When the oldest piece of evidence waiting for review (the tally's evidence_waiting) was
    submitted, NULL when none waits: read in the rows' own query."""
    waiting = Evidence.objects.filter(
        apprenticeship=OuterRef("apprenticeship"), status=Evidence.Status.SUBMITTED
    ).order_by(F("submitted_at").asc(nulls_last=True), "pk")
    return Case(When(evidence_waiting__gt=0, then=Subquery(waiting.values("submitted_at")[:1])))


def _values(tallies):
    return tallies.annotate(
        invited_name=_latest_invitation("full_name"),
        invited_email=_latest_invitation("email"),
        waiting_since=_oldest_waiting(),
    ).values(*_ROW_FIELDS, "invited_name", "invited_email", "waiting_since")


def full_rows(tallies, today):
    """Every row of ``tallies`` (sorted and filtered), ready for the CSV: a stream (a server-side
    cursor on PostgreSQL), whatever the number."""
    urls = _urls()
    for values in _values(tallies).iterator(chunk_size=500):
        yield _row(values, today, urls)


def page_rows(pks, today):
    """The rows of one page, in the page's order: plain values, no model objects."""
    urls = _urls()
    rows = {
        values["apprenticeship"]: _row(values, today, urls)
        for values in _values(Tally.objects.filter(pk__in=pks))
    }
    return [rows[pk] for pk in pks]


def _urls():
    return url_for_each("progress:apprenticeship-home"), url_for_each("tracker:evidence-list")


def _row(values, today, urls):
    """The row of one tally's ``values`` for ``today``, by the Python forms of the rules."""
    start, end = values["start_date"], values["apprenticeship__planned_end_date"]
    target = values["apprenticeship__otj_target_hours"]
    accepted = values["accepted_hundredths"]
    expected = expected_tenths(target, start, end, today)
    review_days = (values["review_due_on"] - today).days
    behind = not is_on_track(accepted, expected)
    since = values["waiting_since"]
    evidence_days = None if since is None else waiting_days(since, today)
    invited = values["apprentice__email"] is None
    figures = {
        name: values[name]
        for name in (
            "duties_signed",
            "duties_total",
            "ksbs_covered",
            "ksbs_total",
            "evidence_waiting",
            "scan_waiting",
            "latest_scan_status",
            "latest_review_signed",
        )
    }
    pk = values["apprenticeship"]
    return Row(
        pk=pk,
        url=urls[0](pk),
        evidence_url=urls[1](pk),
        apprentice=(values["invited_name"] or "") if invited else _name(values, "apprentice"),
        apprentice_email=(
            (values["invited_email"] or "") if invited else values["apprentice__email"]
        ),
        invited=invited,
        mentor=_name(values, "mentor"),
        tutor=_name(values, "tutor"),
        employer=values["organisation__name"],
        standard_reference=values["standard__reference"],
        standard_version=values["standard__version"],
        status=values["status"],
        month=month_of_programme(start, end, today),
        duration_months=duration_months(start, end),
        coverage=values["coverage"],
        accepted_hundredths=accepted,
        expected_tenths=expected,
        next_review_on=values["review_due_on"],
        review_days=review_days,
        last_activity=values["last_activity"],
        behind=behind,
        review_overdue=is_overdue(review_days),
        attention=attention_reasons(
            behind=behind,
            review_overdue=is_overdue(review_days),
            evidence_waiting=values["evidence_waiting"],
            scan_waiting=values["scan_waiting"],
            evidence_days=evidence_days,
        ),
        evidence_days=evidence_days,
        ready_for_gateway=all(
            gateway_lines(
                ksbs_covered=values["ksbs_covered"],
                ksbs_total=values["ksbs_total"],
                duties_signed=values["duties_signed"],
                duties_total=values["duties_total"],
                accepted_hundredths=accepted,
                target=target,
                latest_scan_status=values["latest_scan_status"],
                review_signed=values["latest_review_signed"],
                review_days=review_days,
            )
        ),
        **figures,
    )


def _name(values, person):
    """The name a person (apprentice, mentor or tutor) goes by, "" for nobody."""
    full_name, email = values[f"{person}__full_name"], values[f"{person}__email"]
    return User.name_of(full_name, email) if email is not None else ""


CSV_HEADER = [
    "apprentice",
    "email",
    "standard",
    "status",
    "month",
    "of months",
    "duties signed off",
    "duties",
    "KSB coverage %",
    "hours accepted",
    "hours expected by today",
    "hours on track",
    "evidence to review",
    "scan to validate",
    "next review",
    "review overdue",
    "needs attention because",
    "ready for gateway",
    "mentor",
    "last activity",
]


def csv_row(row):
    return [
        row.apprentice,
        row.apprentice_email,
        f"{row.standard_reference} v{row.standard_version}",
        row.status_label,
        row.month,
        row.duration_months,
        row.duties_signed,
        row.duties_total,
        row.coverage,
        row.accepted_hours,
        row.expected_hours,
        not row.behind,
        row.evidence_waiting,
        row.scan_waiting,
        row.next_review_on,
        row.review_overdue,
        "; ".join(row.attention),
        row.ready_for_gateway,
        row.mentor,
        row.last_activity,
    ]
