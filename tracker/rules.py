"""The rule book of the tracker: what the numbers the pages show mean. Each rule is written once
here, in Python for one apprenticeship and, where a list filters or sorts on it, as an SQL
annotation right beside it; tests/tracker/test_rules.py runs both on the same hand-built cases
(boundaries included) and checks that they agree.

One rounding rule everywhere: hours are counted in hundredths of an hour, the precision they are
recorded in, and summed as whole numbers; "expected by today" is rounded half up to a tenth of
an hour, the figure the pages print; every verdict compares those whole numbers, so the same
apprenticeship gets the same verdict on every page and in every download."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least, Round
from django.db.models.lookups import GreaterThanOrEqual

from standards.models import Duty

from .models import DutySignOff, Evidence, ProgressReview

# --- dates ------------------------------------------------------------------------------------


class DaysBetween(models.Func):
    """Whole days from the date ``start`` to the date ``end``, on SQLite and PostgreSQL."""

    output_field = IntegerField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )


# --- off-the-job hours --------------------------------------------------------------------------

# On track: at least this share of the hours expected by today has been accepted.
ON_TRACK_PERCENT = 90


def hundredths(hours):
    """Hours as whole hundredths of an hour: the unit every sum and comparison uses."""
    return int((Decimal(hours) * 100).to_integral_value(ROUND_HALF_UP))


def sum_hundredths(hours):
    """The total of some entries' hours, in hundredths."""
    return sum(hundredths(entry) for entry in hours)


def planned_days(start, end):
    """Days from the start to the planned end (at least 1)."""
    return max((end - start).days, 1)


def elapsed_days(start, end, today):
    """Days of the programme that have passed by ``today``, from 0 to planned_days."""
    return min(max((today - start).days, 0), planned_days(start, end))


def expected_tenths(target, start, end, today):
    """Hours expected to be accepted by ``today``, in tenths of an hour: the target times the
    share of the planned duration that has passed, rounded half up."""
    total = planned_days(start, end)
    return (20 * target * elapsed_days(start, end, today) + total) // (2 * total)


def is_on_track(accepted, expected):
    """``accepted`` hundredths against ``expected`` tenths: at least ON_TRACK_PERCENT of it."""
    return 10 * accepted >= ON_TRACK_PERCENT * expected


def target_met(accepted, target):
    """``accepted`` hundredths reach the target in whole hours."""
    return accepted >= 100 * target


def percent(part, whole):
    """``part`` of ``whole`` in whole percent, rounded half up; 0 of nothing is 0%."""
    if not whole:
        return 0
    return (200 * part + whole) // (2 * whole)


@dataclass
class Hours:
    """Off-the-job hours of one apprenticeship, in the units of the rules above."""

    accepted_hundredths: int
    pending_hundredths: int
    target: int
    expected_tenths: int
    elapsed_days: int
    planned_days: int

    @property
    def accepted(self):
        return Decimal(self.accepted_hundredths) / 100

    @property
    def pending(self):
        return Decimal(self.pending_hundredths) / 100

    @property
    def expected(self):
        return Decimal(self.expected_tenths) / 10

    @property
    def on_track(self):
        return is_on_track(self.accepted_hundredths, self.expected_tenths)

    @property
    def target_met(self):
        return target_met(self.accepted_hundredths, self.target)

    @property
    def percent_of_target(self):
        return (
            min(100, percent(self.accepted_hundredths, 100 * self.target)) if self.target else 100
        )

    @property
    def percent_expected(self):
        return min(100, percent(self.expected_tenths, 10 * self.target)) if self.target else 0

    @property
    def percent_elapsed(self):
        return percent(self.elapsed_days, self.planned_days)

    @property
    def remaining(self):
        return max(Decimal(0), self.target - self.accepted)


def hundredths_sum_sql(queryset):
    """The SQL sum, in hundredths, of the hours of ``queryset`` (evidence filtered on an
    OuterRef), 0 for none."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("apprenticeship")
            .annotate(total=Sum(Round(F("off_the_job_hours") * 100)))
            .values("total")[:1]
        ),
        Value(0),
        output_field=BigIntegerField(),
    )


def accepted_hundredths_sql():
    """Accepted hours of each apprenticeship, in hundredths."""
    return Cast(
        hundredths_sum_sql(
            Evidence.objects.filter(apprenticeship=OuterRef("pk"), status=Evidence.Status.ACCEPTED)
        ),
        BigIntegerField(),
    )


def pending_hundredths_sql():
    """Hours of each apprenticeship waiting for review, in hundredths."""
    return Cast(
        hundredths_sum_sql(
            Evidence.objects.filter(apprenticeship=OuterRef("pk"), status=Evidence.Status.SUBMITTED)
        ),
        BigIntegerField(),
    )


def planned_days_sql():
    return Greatest(DaysBetween(F("planned_end_date"), F("start_date")), Value(1))


def elapsed_days_sql(today):
    return Least(Greatest(DaysBetween(Value(today), F("start_date")), Value(0)), planned_days_sql())


def expected_tenths_sql(today):
    """The SQL twin of expected_tenths, in whole-number arithmetic (integer division)."""
    total = planned_days_sql()
    return Cast(
        (20 * Cast(F("otj_target_hours"), BigIntegerField()) * elapsed_days_sql(today) + total)
        / (2 * total),
        BigIntegerField(),
    )


def on_track_sql(accepted="accepted_hundredths", expected="expected_tenths"):
    """The SQL twin of is_on_track, on two annotations."""
    return Case(
        When(
            GreaterThanOrEqual(F(accepted) * 10, F(expected) * ON_TRACK_PERCENT),
            then=Value(True),
        ),
        default=Value(False),
        output_field=models.BooleanField(),
    )


def target_met_sql(accepted="accepted_hundredths"):
    """The SQL twin of target_met, on the accepted hours annotation."""
    return Case(
        When(GreaterThanOrEqual(F(accepted), F("otj_target_hours") * 100), then=Value(True)),
        default=Value(False),
        output_field=models.BooleanField(),
    )


def hours_summary(apprenticeship, today=None):
    """The apprenticeship's hours against its target, summed in the database in one query."""
    today = today or date.today()
    evidence = Evidence.objects.filter(apprenticeship=apprenticeship)
    totals = evidence.aggregate(
        accepted=Coalesce(
            Sum(Round(F("off_the_job_hours") * 100), filter=Q(status=Evidence.Status.ACCEPTED)),
            Value(0),
            output_field=BigIntegerField(),
        ),
        pending=Coalesce(
            Sum(Round(F("off_the_job_hours") * 100), filter=Q(status=Evidence.Status.SUBMITTED)),
            Value(0),
            output_field=BigIntegerField(),
        ),
    )
    start, end = apprenticeship.start_date, apprenticeship.planned_end_date
    return Hours(
        accepted_hundredths=int(totals["accepted"]),
        pending_hundredths=int(totals["pending"]),
        target=apprenticeship.otj_target_hours,
        expected_tenths=expected_tenths(apprenticeship.otj_target_hours, start, end, today),
        elapsed_days=elapsed_days(start, end, today),
        planned_days=planned_days(start, end),
    )


# --- progress reviews ---------------------------------------------------------------------------

REVIEW_INTERVAL = timedelta(weeks=12)


def next_review_due(start_date, latest_review):
    """When the next progress review is due: as agreed at the latest review (the one held last),
    or REVIEW_INTERVAL after the start when there has been none."""
    return latest_review.next_due_on if latest_review else start_date + REVIEW_INTERVAL


@dataclass
class NextReview:
    due_on: date
    days: int  # from today to the due date; negative once it has passed

    @property
    def overdue(self):
        return self.days < 0

    @property
    def label(self):
        if self.overdue:
            return f"overdue by {-self.days} day{'s' if -self.days != 1 else ''}"
        if self.days == 0:
            return "due today"
        return f"due in {self.days} day{'s' if self.days != 1 else ''}"


def next_review(apprenticeship, latest_review, today=None):
    """The next review of ``apprenticeship`` given its latest review (or None)."""
    today = today or date.today()
    due = next_review_due(apprenticeship.start_date, latest_review)
    return NextReview(due_on=due, days=(due - today).days)


def latest_review_sql(field):
    """A field of each apprenticeship's latest review (the one held last)."""
    return Subquery(
        ProgressReview.objects.filter(apprenticeship=OuterRef("pk"))
        .order_by("-held_on", "-pk")
        .values(field)[:1]
    )


def review_days_sql(today):
    """The SQL twin of NextReview.days."""
    return Coalesce(
        DaysBetween(latest_review_sql("next_due_on"), Value(today)),
        DaysBetween(F("start_date"), Value(today)) + REVIEW_INTERVAL.days,
    )


def latest_review_signed_sql():
    """Whether each apprenticeship's latest review is signed by both (False with none)."""
    signed = Case(
        When(
            employer_signed_at__isnull=False, apprentice_signed_at__isnull=False, then=Value(True)
        ),
        default=Value(False),
        output_field=models.BooleanField(),
    )
    return Coalesce(
        Subquery(
            ProgressReview.objects.filter(apprenticeship=OuterRef("pk"))
            .order_by("-held_on", "-pk")
            .annotate(signed=signed)
            .values("signed")[:1]
        ),
        Value(False),
        output_field=models.BooleanField(),
    )


# --- duties -------------------------------------------------------------------------------------

# Evidence whose KSBs count as being worked on: everything but drafts.
ACTIVE_EVIDENCE = (
    Evidence.Status.SUBMITTED,
    Evidence.Status.ACCEPTED,
    Evidence.Status.CHANGES_REQUESTED,
)


class DutyStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    EVIDENCED = "evidenced", "Evidenced"
    SIGNED_OFF = "signed_off", "Signed off"


def duty_status(ksb_ids, accepted_ids, active_ids, signed_off):
    """A duty's status: signed off while the employer's latest word on it is a sign-off; else
    evidenced when every one of its KSBs has accepted evidence (a duty with no KSBs never is);
    in progress once any of its KSBs has evidence that is not a draft; else not started."""
    if signed_off:
        return DutyStatus.SIGNED_OFF
    ksb_ids = set(ksb_ids)
    if ksb_ids and ksb_ids <= set(accepted_ids):
        return DutyStatus.EVIDENCED
    if ksb_ids & set(active_ids):
        return DutyStatus.IN_PROGRESS
    return DutyStatus.NOT_STARTED


def signed_off_duty_ids(events):
    """The duties whose latest event among ``events`` (DutySignOff rows of one
    apprenticeship) is a sign-off."""
    latest = {}
    for event in sorted(events, key=lambda e: e.pk):
        latest[event.duty_id] = event.action
    return {duty for duty, action in latest.items() if action == DutySignOff.Action.SIGNED_OFF}


def _later_event():
    return DutySignOff.objects.filter(
        apprenticeship=OuterRef("apprenticeship"), duty=OuterRef("duty"), pk__gt=OuterRef("pk")
    )


def current_sign_offs():
    """DutySignOff rows that are a duty's latest word and say "signed off"."""
    return DutySignOff.objects.filter(action=DutySignOff.Action.SIGNED_OFF).exclude(
        Exists(_later_event())
    )


def duties_signed_sql():
    """The number of duties signed off, per apprenticeship."""
    return Coalesce(
        Subquery(
            current_sign_offs()
            .filter(apprenticeship=OuterRef("pk"))
            .order_by()
            .values("apprenticeship")
            .annotate(n=Count("duty", distinct=True))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _duty_ksbs_with_evidence(apprenticeship, statuses):
    """The number of each duty's KSBs with evidence of ``apprenticeship`` in ``statuses``."""
    evidenced = Evidence.ksbs.through.objects.filter(
        evidence__apprenticeship=apprenticeship, evidence__status__in=statuses
    ).values("ksb_id")
    return Coalesce(
        Subquery(
            Duty.ksbs.through.objects.filter(duty=OuterRef("pk"), ksb__in=evidenced)
            .order_by()
            .values("duty")
            .annotate(n=Count("ksb"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def duties_with_progress(duties, apprenticeship):
    """Annotate a queryset of duties with each one's progress on ``apprenticeship``: ``total``
    KSBs, ``covered`` (with accepted evidence), ``worked`` (with evidence that is not a draft),
    ``signed_off`` and ``status``, the SQL twin of duty_status."""
    total = Coalesce(
        Subquery(
            Duty.ksbs.through.objects.filter(duty=OuterRef("pk"))
            .order_by()
            .values("duty")
            .annotate(n=Count("ksb"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    return duties.annotate(
        total=total,
        covered=_duty_ksbs_with_evidence(apprenticeship, [Evidence.Status.ACCEPTED]),
        worked=_duty_ksbs_with_evidence(apprenticeship, ACTIVE_EVIDENCE),
        signed_off=Exists(
            current_sign_offs().filter(apprenticeship=apprenticeship, duty=OuterRef("pk"))
        ),
    ).annotate(
        status=Case(
            When(signed_off=True, then=Value(DutyStatus.SIGNED_OFF)),
            When(Q(total__gt=0) & Q(covered=F("total")), then=Value(DutyStatus.EVIDENCED)),
            When(worked__gt=0, then=Value(DutyStatus.IN_PROGRESS)),
            default=Value(DutyStatus.NOT_STARTED),
            output_field=models.CharField(),
        )
    )


# --- KSB coverage --------------------------------------------------------------------------------


def evidenced_ksb_ids(apprenticeship):
    """(KSB ids with accepted evidence, KSB ids with any evidence that is not a draft) of one
    apprenticeship, in one query."""
    rows = Evidence.ksbs.through.objects.filter(
        evidence__apprenticeship=apprenticeship, evidence__status__in=ACTIVE_EVIDENCE
    ).values_list("ksb_id", "evidence__status")
    accepted, active = set(), set()
    for ksb_id, status in rows:
        active.add(ksb_id)
        if status == Evidence.Status.ACCEPTED:
            accepted.add(ksb_id)
    return accepted, active


def ksbs_covered_sql():
    """The number of KSBs with accepted evidence, per apprenticeship."""
    return Coalesce(
        Subquery(
            Evidence.ksbs.through.objects.filter(
                evidence__apprenticeship=OuterRef("pk"), evidence__status=Evidence.Status.ACCEPTED
            )
            .order_by()
            .values("evidence__apprenticeship")
            .annotate(n=Count("ksb", distinct=True))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def percent_sql(part, whole):
    """The SQL twin of percent, on two integer annotations."""
    return Case(
        When(**{whole: 0}, then=Value(0)),
        default=(200 * F(part) + F(whole)) / (2 * F(whole)),
        output_field=IntegerField(),
    )
