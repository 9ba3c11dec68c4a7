"""Rules of the programme itself: the dates a programme may have, the off-the-job minimum and
months on programme."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.dateformat import format as format_date

# Every date the app stores lies in this window, enforced by the database too (CheckConstraints
# on apprenticeships, evidence and reviews), so that no rule adding weeks or months to a stored
# date can run off the calendar (9999-12-31 + 12 weeks is an OverflowError) and no page draws
# two thousand years of weeks (0001-01-01).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)

# Programme dates. Apprenticeship standards were first delivered in 2014; a start is planned at
# most a year ahead.
EARLIEST_START = date(2014, 1, 1)
START_AHEAD_MONTHS = 12
# The funding rules' minimum duration: 12 months for starts before 1 August 2025, 8 months from
# then on. The maximum is this app's sense check: the longest standards (level 7) run 5 years.
SHORTER_MINIMUM_FROM = date(2025, 8, 1)
MAX_DURATION_MONTHS = 72


def add_months(day, months):
    """``day`` moved by whole calendar months, kept within the month (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def minimum_duration_months(start):
    return 8 if start >= SHORTER_MINIMUM_FROM else 12


def long_date(day):
    return format_date(day, "j F Y")


def programme_date_errors(start, planned_end, today):
    """{field: ValidationError} for programme dates that break a rule, each saying which rule;
    empty when they hold. Used by the apprenticeship's clean() and the invitation form."""
    errors = {}
    if start < EARLIEST_START:
        errors["start_date"] = ValidationError(
            f"The start cannot be before {long_date(EARLIEST_START)}: apprenticeship standards "
            "were first delivered in 2014.",
            code="start_too_early",
        )
    elif start > add_months(today, START_AHEAD_MONTHS):
        errors["start_date"] = ValidationError(
            "The start can be at most a year from today "
            f"({long_date(add_months(today, START_AHEAD_MONTHS))}).",
            code="start_too_late",
        )
    if planned_end <= start:
        errors["planned_end_date"] = ValidationError(
            "The planned end date must be after the start date.", code="end_before_start"
        )
    elif "start_date" not in errors:
        months = minimum_duration_months(start)
        shortest, longest = add_months(start, months), add_months(start, MAX_DURATION_MONTHS)
        if planned_end < shortest:
            when = "from" if start >= SHORTER_MINIMUM_FROM else "before"
            errors["planned_end_date"] = ValidationError(
                f"An apprenticeship starting {when} {long_date(SHORTER_MINIMUM_FROM)} lasts at "
                f"least {months} months: plan the end on {long_date(shortest)} or later.",
                code="too_short",
            )
        elif planned_end > longest:
            errors["planned_end_date"] = ValidationError(
                f"An apprenticeship is planned for at most {MAX_DURATION_MONTHS // 12} years: "
                f"plan the end on {long_date(longest)} or earlier.",
                code="too_long",
            )
    return errors


# The furthest ahead a review may set the next one: reviews are due every 12 weeks; a year
# leaves room for a break in learning without letting a typo put it in another decade.
MAX_REVIEW_GAP_MONTHS = 12


def dated_record_errors(field, day, start, today, what):
    """{field: ValidationError} when a record of something done (evidence, the hours it
    carries, a review held) is dated before the programme's start or after today."""
    if day < start:
        return {
            field: ValidationError(
                f"{what} cannot be dated before the apprenticeship's start on {long_date(start)}.",
                code="before_start",
            )
        }
    if day > today:
        return {field: ValidationError("The date cannot be in the future.", code="future")}
    return {}


def review_date_errors(held_on, next_due_on, start, today):
    """{field: ValidationError} for a progress review's dates: held within the programme and
    not in the future; the next one after it and within MAX_REVIEW_GAP_MONTHS."""
    errors = dated_record_errors("held_on", held_on, start, today, "A review")
    if next_due_on is not None:
        if next_due_on <= held_on:
            errors["next_due_on"] = ValidationError(
                "The next review must come after this one.", code="next_before_held"
            )
        elif "held_on" not in errors and next_due_on > add_months(held_on, MAX_REVIEW_GAP_MONTHS):
            errors["next_due_on"] = ValidationError(
                "The next review is due within a year of this one: plan it on "
                f"{long_date(add_months(held_on, MAX_REVIEW_GAP_MONTHS))} or earlier.",
                code="next_too_far",
            )
    return errors


# Off-the-job training minimum for starts from August 2022 to July 2025: 6 hours a week for a
# working week of 30 hours or more, 20% of the working hours below that, over the planned weeks.
OTJ_HOURS_PER_WEEK = Decimal(6)
OTJ_SHARE_OF_HOURS = Decimal("0.2")


def otj_minimum_hours(start_date, planned_end_date, weekly_hours):
    """The off-the-job minimum in whole hours for the planned dates and working week."""
    if not (start_date and planned_end_date and weekly_hours) or planned_end_date <= start_date:
        return 0
    weeks = Decimal((planned_end_date - start_date).days) / 7
    per_week = min(OTJ_HOURS_PER_WEEK, Decimal(weekly_hours) * OTJ_SHARE_OF_HOURS)
    return int((weeks * per_week).quantize(Decimal(1), rounding=ROUND_HALF_UP))


DAYS_PER_MONTH = 365.25 / 12


def duration_months(start, planned_end):
    """Planned length in months, rounded (26 April 2026 to 25 April 2028 is 24)."""
    return max(1, round((planned_end - start).days / DAYS_PER_MONTH))


def month_of_programme(start, planned_end, today):
    """1-based month of the programme on ``today`` (0 before the start), capped at the
    duration."""
    if today < start:
        return 0
    return min(months_between(start, today) + 1, duration_months(start, planned_end))


def months_between(start, end):
    """Whole calendar months from start to end (negative before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months
