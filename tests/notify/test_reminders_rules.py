"""The rule book of reminders (notify/rules.py) on hand-picked days: working days across
weekends, the boundaries of each reminder, and the periods that decide how often it comes
back."""

from datetime import UTC, date, datetime, timedelta

import pytest

from notify import rules

# 2027-01-08 is a Friday, 2027-01-11 a Monday.
FRI, SAT, SUN, MON = date(2027, 1, 8), date(2027, 1, 9), date(2027, 1, 10), date(2027, 1, 11)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (FRI, FRI, 0),
        (FRI, SAT, 0),
        (FRI, SUN, 0),
        (FRI, MON, 1),  # Friday to Monday: one working day
        (SAT, MON, 1),
        (SUN, MON, 1),
        (MON, MON + timedelta(days=4), 4),  # Monday to Friday
        (MON, MON + timedelta(days=7), 5),  # a whole week, from any day
        (FRI, FRI + timedelta(days=7), 5),
        (SAT, SAT + timedelta(days=7), 5),
        (FRI, FRI + timedelta(days=10), 6),  # the Monday after the next
        (FRI, FRI + timedelta(days=14), 10),
        (MON, FRI, 0),  # the end before the start
    ],
)
def test_working_days_between(start, end, days):
    assert rules.working_days_between(start, end) == days


@pytest.mark.parametrize(
    ("start", "end", "more"),
    [
        (FRI, FRI + timedelta(days=7), False),  # exactly 5 working days is not more than 5
        (FRI, MON + timedelta(days=7), True),  # 6, across a weekend
        (MON, MON + timedelta(days=7), False),
        (MON, MON + timedelta(days=8), True),
        (SAT, SAT + timedelta(days=7), False),
        (SAT, MON + timedelta(days=7), True),
    ],
)
def test_waited_more_than_five(start, end, more):
    assert rules.waited_more_than(start, end, 5) is more


@pytest.mark.parametrize("today", [FRI + timedelta(days=n) for n in range(8)])
@pytest.mark.parametrize("working_days", [1, 5, 10, 30])
def test_the_query_bound_agrees_with_the_rule(today, working_days):
    bound = rules.latest_day_waiting_more_than(today, working_days)
    for offset in range(60):
        day = today - timedelta(days=offset)
        assert rules.waited_more_than(day, today, working_days) is (day <= bound), day


@pytest.mark.parametrize(
    ("days", "soon", "overdue"),
    [(8, False, False), (7, True, False), (1, True, False), (0, True, False), (-1, False, True)],
)
def test_review_due_within_seven_days_then_overdue(days, soon, overdue):
    due = date(2027, 1, 20)
    today = due - timedelta(days=days)
    assert rules.review_due_soon(due, today) is soon
    assert rules.review_overdue(due, today) is overdue


@pytest.mark.parametrize(("late", "week"), [(1, 0), (6, 0), (7, 1), (13, 1), (14, 2)])
def test_weeks_overdue(late, week):
    due = date(2027, 1, 20)
    assert rules.weeks_overdue(due, due + timedelta(days=late)) == week
    assert rules.overdue_period(due, due + timedelta(days=late)) == f"due 2027-01-20 week {week}"


def test_scan_not_started_four_weeks_after_the_start():
    start = date(2027, 1, 4)
    assert not rules.scan_not_started(start, start + timedelta(weeks=4, days=-1))
    assert rules.scan_not_started(start, start + timedelta(weeks=4))


def test_scan_due_after_the_organisations_interval():
    assert rules.scan_due_on(date(2027, 1, 4), 26) == date(2027, 7, 5)
    assert rules.scan_due_on(date(2027, 1, 4), 4) == date(2027, 2, 1)


def test_hours_behind_from_the_stored_day():
    assert not rules.hours_behind(None, MON)
    assert not rules.hours_behind(MON, SUN)
    assert rules.hours_behind(MON, MON)


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (SUN, "2027-W01"),  # Sunday ends a week
        (MON, "2027-W02"),  # Monday starts the next
        (date(2026, 12, 31), "2026-W53"),
        (date(2027, 1, 3), "2026-W53"),  # ISO years differ from calendar years
        (date(2027, 1, 4), "2027-W01"),
    ],
)
def test_week_period_is_the_iso_week(day, period):
    assert rules.week_period(day) == period


def test_submission_period_is_the_moment_in_utc():
    moment = datetime(2027, 1, 8, 9, 30, 15, 123456, tzinfo=UTC)
    assert rules.submission_period(moment) == "submitted 2027-01-08T09:30:15+00:00"


def test_due_and_start_periods():
    assert rules.due_period(date(2027, 1, 20)) == "due 2027-01-20"
    assert rules.start_period(date(2027, 1, 4)) == "start 2027-01-04"


def test_the_start_of_the_next_local_day(settings):
    moment = rules.start_of_day_after(FRI)
    assert moment.date() == SAT and moment.hour == 0 and moment.tzinfo is not None
