"""Off-the-job hours: the expected line and on track. Hours are counted in hundredths of an
hour, the precision they are recorded in; "expected by today" is rounded half up to a tenth."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

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


def behind_from(accepted, target, start, end):
    """The first day on which ``accepted`` hundredths are no longer on track, or None when they
    never fall behind (they are on track at the planned end). The hours expected grow with the
    day, so an apprenticeship is behind on that day and every day after it, until more hours
    are accepted: the dashboard stores this day and asks "behind today?" as ``today >= it``.
    Found by halving the programme with is_on_track itself, so both answers always agree."""
    if is_on_track(accepted, expected_tenths(target, start, end, end)):
        return None
    on_track, behind = start, end  # nothing is expected on the first day
    while (behind - on_track).days > 1:
        middle = on_track + (behind - on_track) / 2
        if is_on_track(accepted, expected_tenths(target, start, end, middle)):
            on_track = middle
        else:
            behind = middle
    return behind


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


def accepted_hundredths_sql(status=Evidence.Status.ACCEPTED):
    """Accepted hours of each apprenticeship (or those of evidence in another ``status``), in
    hundredths (0 for none): the SQL twin of the sums hours_summary takes."""
    return Cast(
        Coalesce(
            Subquery(
                Evidence.objects.filter(apprenticeship=OuterRef("pk"), status=status)
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


def behind_q(today, behind_from="behind_from"):
    """The SQL twin of "not on track on ``today``", on the stored day the apprenticeship falls
    behind (behind_from): a date comparison, for any day."""
    return Q(**{f"{behind_from}__lte": today})


def hours_summary(apprenticeship, today=None):
    """The apprenticeship's hours against its target, summed in the database in one query."""
    accepted, submitted = Evidence.Status.ACCEPTED, Evidence.Status.SUBMITTED
    totals = dict(  # {status: hundredths}, a status with no evidence left out
        Evidence.objects.filter(apprenticeship=apprenticeship, status__in=[accepted, submitted])
        .order_by()
        .values_list("status")
        .annotate(hundredths=hundredths_sum_sql())
    )
    return hours_of(
        apprenticeship, int(totals.get(accepted, 0)), int(totals.get(submitted, 0)), today
    )


def hours_of(apprenticeship, accepted_hundredths, pending_hundredths, today=None):
    """The apprenticeship's hours against its target, from its sums of accepted and pending
    (submitted) hours: hours_summary's, or those the dashboard's tally keeps."""
    today = today or date.today()
    start, end = apprenticeship.start_date, apprenticeship.planned_end_date
    return Hours(
        accepted_hundredths=accepted_hundredths,
        pending_hundredths=pending_hundredths,
        target=apprenticeship.otj_target_hours,
        expected_tenths=expected_tenths(apprenticeship.otj_target_hours, start, end, today),
        elapsed_days=elapsed_days(start, end, today),
        planned_days=planned_days(start, end),
    )
