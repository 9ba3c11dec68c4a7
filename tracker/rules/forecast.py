"""Hours week by week and the forecast to the planned end: the planned hours the training plan
spreads over its activities' days, the hours accepted, the expected line, and where the current
rate leads. Every figure is in hundredths of an hour (tracker.rules.hours), weeks start on a
Monday, and a week's cumulative figures are those at the end of its Sunday."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from .hours import elapsed_days, expected_tenths, hundredths, planned_days

# The forecast needs at least this many days of the programme behind it: a rate read from a
# few days says nothing.
FORECAST_AFTER_DAYS = 7


def week_start(day):
    return day - timedelta(days=day.weekday())


def _half_up(numerator, denominator):
    return (2 * numerator + denominator) // (2 * denominator)


def planned_by_week(activities):
    """{Monday: planned hundredths} of ``activities`` [(first day, last day, planned hours)]:
    each activity's hours spread evenly over its days, both ends included. Each activity's
    share up to a day is rounded half up to a hundredth and a week gets the difference of two
    such shares, so an activity's weeks add up to its hours exactly."""
    weeks = {}
    for first, last, hours in activities:
        total, days = hundredths(hours), (last - first).days + 1
        if total <= 0 or days <= 0:
            continue
        done, day = 0, first
        while day <= last:
            sunday = min(week_start(day) + timedelta(days=6), last)
            upto = _half_up(total * ((sunday - first).days + 1), days)
            weeks[week_start(day)] = weeks.get(week_start(day), 0) + upto - done
            done, day = upto, sunday + timedelta(days=1)
    return weeks


@dataclass(frozen=True)
class Week:
    monday: object
    planned: int  # hundredths planned in the week
    accepted: int  # hundredths accepted, dated in the week
    planned_to_date: int  # cumulative, at the end of the week
    accepted_to_date: int | None  # cumulative; None for weeks after today
    expected_to_date: int  # the expected line at the end of the week, in hundredths


def weeks_of(start, end, target, planned, accepted, today):
    """A Week for every week from the start's to the planned end's: ``planned`` and
    ``accepted`` are {Monday: hundredths} (hours dated outside the programme count in its
    first or last week). The expected line is the one the verdicts use (expected_tenths)."""
    first, last = week_start(start), week_start(end - timedelta(days=1))
    planned, accepted = _clamped(planned, first, last), _clamped(accepted, first, last)
    rows, monday, planned_sum, accepted_sum = [], first, 0, 0
    while monday <= last:
        planned_sum += planned.get(monday, 0)
        accepted_sum += accepted.get(monday, 0)
        after = min(monday + timedelta(days=7), end)
        rows.append(
            Week(
                monday=monday,
                planned=planned.get(monday, 0),
                accepted=accepted.get(monday, 0),
                planned_to_date=planned_sum,
                accepted_to_date=accepted_sum if monday <= today else None,
                expected_to_date=10 * expected_tenths(target, start, end, after),
            )
        )
        monday += timedelta(days=7)
    return rows


def _clamped(by_week, first, last):
    clamped = {}
    for monday, value in by_week.items():
        key = min(max(monday, first), last)
        clamped[key] = clamped.get(key, 0) + value
    return clamped


@dataclass(frozen=True)
class Forecast:
    """Where the hours end up at the planned end if they go on as so far.

    ``state`` is one of: "early" (fewer than FORECAST_AFTER_DAYS days of the programme have
    passed, or it has not started), "no_target" (the target is 0 hours), "short", "over" or
    "on_target" (within half an hour; once ended: met, and under half an hour over).
    ``ended`` once the planned end has passed (the figures are then the final ones).
    ``projected`` is in hundredths, ``difference`` in whole hours (rounded half up, a
    shortfall at the end rounded up; never negative)."""

    state: str
    projected: int
    difference: int
    ended: bool

    @property
    def sentence(self):
        hours = f"{self.difference} hour{'s' if self.difference != 1 else ''}"
        if self.state == "early":
            return "Too early for a forecast: it starts once the programme's first week is over."
        if self.state == "no_target":
            return "The target is 0 hours, so there is nothing to forecast."
        if self.ended:
            return {
                "short": f"The planned end has passed {hours} short of the target.",
                "over": f"The planned end has passed with the target met and {hours} over.",
                "on_target": "The planned end has passed with the target met.",
            }[self.state]
        return {
            "short": f"At this rate you finish {hours} short.",
            "over": f"At this rate you finish {hours} over.",
            "on_target": "At this rate you finish on target.",
        }[self.state]


def forecast(accepted, target, start, end, today):
    """The Forecast of ``accepted`` hundredths against ``target`` hours at the current rate:
    the accepted hours times the planned days over the days passed (rounded half up to a
    hundredth), compared with the target."""
    passed, total = elapsed_days(start, end, today), planned_days(start, end)
    ended = today >= end
    if not ended and passed < FORECAST_AFTER_DAYS:
        return Forecast("early", 0, 0, False)
    projected = accepted if ended else _half_up(accepted * total, passed)
    if not target:
        return Forecast("no_target", projected, 0, ended)
    gap = projected - 100 * target
    # Rounded half up; but once the programme has ended a shortfall is never "0 hours".
    rounding = ROUND_CEILING if ended and gap < 0 else ROUND_HALF_UP
    difference = int((Decimal(abs(gap)) / 100).quantize(Decimal(1), rounding=rounding))
    state = "on_target" if not difference else "short" if gap < 0 else "over"
    return Forecast(state, projected, difference, ended)
