"""Off-the-job hours: the expected line, on track, and the target itself. Hours are counted in
hundredths of an hour, the precision they are recorded in; "expected by today" is rounded half
up to a tenth.

Accepted hours are those of accepted evidence plus those of accepted timesheet lines (hours
logged without a piece of evidence); waiting hours likewise of both, while submitted.

The target: an apprenticeship's ``otj_target_hours`` is either set by hand or automatic, the
off-the-job minimum (accounts.rules.otj_minimum_hours) adjusted by its records of time off and
of changes of the working week (``automatic_target``). No column says which: a target is
automatic when it equals what automatic_target gives from the records as they stand, and the
hours service keeps such a target equal to it whenever time off or a change of hours is
recorded or withdrawn. A target typed by hand (or one left behind when the dates were edited)
differs from it and is left alone. The stored column is therefore the SQL form of the target
every list reads (the dashboard's tally copies it)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from accounts.rules import OTJ_HOURS_PER_WEEK, OTJ_SHARE_OF_HOURS
from core.numbers import percent

from ..models import Evidence, TimesheetEntry

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


def hundredths_sum_sql(field="off_the_job_hours", **filters):
    """The SQL twin of sum_hundredths over the evidence (or, with ``field="hours"``, the
    timesheet lines) ``filters`` select. The sum is rounded to whole hundredths once, after
    adding: exact on PostgreSQL, and on SQLite (which adds decimals as floating point) the
    drift of any realistic sum is far below half a hundredth."""
    return Round(Sum(field, **filters) * 100)


def _hundredths_of(model, field, status):
    return Cast(
        Coalesce(
            Subquery(
                model.objects.filter(apprenticeship=OuterRef("pk"), status=status)
                .order_by()
                .values("apprenticeship")
                .annotate(total=Round(Sum(field) * 100))
                .values("total")[:1]
            ),
            Value(0),
            output_field=BigIntegerField(),
        ),
        BigIntegerField(),
    )


def accepted_hundredths_sql(status=Evidence.Status.ACCEPTED):
    """Accepted hours of each apprenticeship (or those in another ``status``: "submitted" for
    the waiting ones), in hundredths (0 for none): its evidence's plus its timesheet lines'.
    The SQL twin of sum_hundredths over both, which hours_summary reads."""
    return _hundredths_of(Evidence, "off_the_job_hours", status) + _hundredths_of(
        TimesheetEntry, "hours", status
    )


def behind_q(today, behind_from="behind_from"):
    """The SQL twin of "not on track on ``today``", on the stored day the apprenticeship falls
    behind (behind_from): a date comparison, for any day."""
    return Q(**{f"{behind_from}__lte": today})


def hours_summary(apprenticeship, today=None):
    """The apprenticeship's hours (evidence and timesheet lines) against its target, summed in
    the database in one query: each kind of record's accepted and waiting hours, rounded to
    hundredths as accepted_hundredths_sql rounds them, added here. (The same figures through
    accepted_hundredths_sql cost the page 3 ms to build the query alone.)"""
    counted = (Evidence.Status.ACCEPTED, Evidence.Status.SUBMITTED)

    def sums(model, field):
        rows = model.objects.filter(apprenticeship_id=apprenticeship.pk, status__in=counted)
        return rows.order_by().values_list("status").annotate(h=hundredths_sum_sql(field))

    total = dict.fromkeys(counted, 0)
    for status, hundredths in sums(Evidence, "off_the_job_hours").union(
        sums(TimesheetEntry, "hours"), all=True
    ):
        total[status] += int(hundredths or 0)
    return hours_of(
        apprenticeship, total[Evidence.Status.ACCEPTED], total[Evidence.Status.SUBMITTED], today
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


# --- the target: the minimum adjusted by time off and changes of the working week ---------------


def weekdays_between(first, last):
    """Monday-to-Friday days from ``first`` to ``last``, both included (0 when last < first)."""
    if last < first:
        return 0
    days = (last - first).days + 1
    whole, rest = divmod(days, 7)
    return 5 * whole + sum(1 for n in range(rest) if (first.weekday() + n) % 7 < 5)


def _weekdays_off(first, last, time_off):
    """Weekdays from ``first`` to ``last`` (included) inside any of ``time_off`` [(first day,
    last day)], each day counted once however many periods cover it."""
    spans = sorted((max(a, first), min(b, last)) for a, b in time_off if a <= last and b >= first)
    total, covered_to = 0, None
    for a, b in spans:
        if covered_to is not None and a <= covered_to:
            a = covered_to + timedelta(days=1)
        if a <= b:
            total += weekdays_between(a, b)
            covered_to = b if covered_to is None else max(covered_to, b)
    return total


def weekly_hours_periods(start, end, weekly_hours, changes):
    """[(first day, day after the last, working hours a week)] over start..end: the hours
    before the first change (its previous hours; ``weekly_hours`` when there is none), then
    each change's from its day (a change before the start counts from the start; of two on one
    day the later recorded wins). ``changes`` is [(from day, hours, previous hours)] in the
    order they were recorded."""
    changes = sorted(changes, key=lambda change: change[0])  # stable: recorded order kept
    hours = changes[0][2] if changes else weekly_hours
    periods, day = [], start
    for from_date, new_hours, _ in changes:
        from_date = min(max(from_date, start), end)
        if from_date > day:
            periods.append((day, from_date, hours))
            day = from_date
        hours = new_hours
    if end > day:
        periods.append((day, end, hours))
    return periods


def automatic_target(start, end, weekly_hours, changes=(), time_off=()):
    """The off-the-job target in whole hours an apprenticeship gets when nobody sets it by
    hand: for each period of its working week (weekly_hours_periods), 6 hours a week or 20% of
    the working hours below 30 (accounts.rules.otj_minimum_hours), over the period's weeks less
    the share of them spent on time off. The share counts weekdays (Monday to Friday): a
    week's holiday takes out a week, a weekend away nothing, time off over the whole programme
    everything. With no records it is otj_minimum_hours exactly (the same arithmetic, in the
    same order). ``time_off`` is [(first day, last day)] of the time off not withdrawn."""
    if not (start and end and weekly_hours) or end <= start:
        return 0
    total = Decimal(0)
    for first, after, hours in weekly_hours_periods(start, end, weekly_hours, changes):
        weeks = Decimal((after - first).days) / 7
        weekdays = weekdays_between(first, after - timedelta(days=1))
        off = _weekdays_off(first, after - timedelta(days=1), time_off)
        if off:
            weeks = weeks * Decimal(weekdays - off) / Decimal(weekdays)
        per_week = min(OTJ_HOURS_PER_WEEK, Decimal(hours) * OTJ_SHARE_OF_HOURS)
        total += weeks * per_week
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def target_records(apprenticeship):
    """(changes, time off) as automatic_target reads them, from the apprenticeship's records
    (time off withdrawn left out): two queries."""
    changes = list(
        apprenticeship.working_hours_changes.order_by("at", "pk").values_list(
            "from_date", "weekly_hours", "previous_weekly_hours"
        )
    )
    time_off = list(
        apprenticeship.time_off.filter(withdrawn_at__isnull=True).values_list(
            "starts_on", "ends_on"
        )
    )
    return changes, time_off


def automatic_target_of(apprenticeship, records=None):
    """automatic_target for the apprenticeship, from its records (``records``: target_records'
    answer, when the caller has it)."""
    changes, time_off = records if records is not None else target_records(apprenticeship)
    return automatic_target(
        apprenticeship.start_date,
        apprenticeship.planned_end_date,
        apprenticeship.weekly_hours,
        changes,
        time_off,
    )
