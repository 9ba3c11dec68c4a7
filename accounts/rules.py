"""Rules of the programme itself: the off-the-job minimum and months on programme."""

from decimal import ROUND_HALF_UP, Decimal

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
