"""Off-the-job hours: the expected line and on track. Hours are counted in hundredths of an
hour, the precision they are recorded in; "expected by today" is rounded half up to a tenth."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import BigIntegerField, Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest, Least, Round
from django.db.models.lookups import GreaterThanOrEqual

from core.db import DaysBetween
from core.numbers import percent

from ..models import Evidence

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


def hundredths_sum_sql(**filters):
    """The SQL twin of sum_hundredths over the evidence ``filters`` select. The sum is rounded
    to whole hundredths once, after adding: exact on PostgreSQL, and on SQLite (which adds
    decimals as floating point) the drift of any realistic sum is far below half a hundredth."""
    return Round(Sum("off_the_job_hours", **filters) * 100)


def accepted_hundredths_sql():
    """Accepted hours of each apprenticeship, in hundredths (0 for none)."""
    return Cast(
        Coalesce(
            Subquery(
                Evidence.objects.filter(
                    apprenticeship=OuterRef("pk"), status=Evidence.Status.ACCEPTED
                )
                .order_by()
                .values("apprenticeship")
                .annotate(total=hundredths_sum_sql())
                .values("total")[:1]
            ),
            Value(0),
            output_field=BigIntegerField(),
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
            hundredths_sum_sql(filter=Q(status=Evidence.Status.ACCEPTED)),
            Value(0),
            output_field=BigIntegerField(),
        ),
        pending=Coalesce(
            hundredths_sum_sql(filter=Q(status=Evidence.Status.SUBMITTED)),
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
