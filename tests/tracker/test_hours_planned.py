"""Hours, planned and actual: the target adjusted by time off and changes of the working
week, planned hours per week from the training plan, the weeks to date, the forecast to the
planned end (boundaries pinned), and the SQL figures the dashboard keeps agreeing with the
Python rules once timesheet hours and an adjusted target come in."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.rules import otj_minimum_hours
from progress.models import Tally
from progress.tally import tally_check
from tests.dashboard_rows import dashboard_row
from tests.factories import ApprenticeshipFactory, EvidenceFactory
from tracker.hours_selectors import accepted_by_week, current_plan_activities, hours_page
from tracker.models import PlanActivity, TimesheetEntry, TrainingPlan
from tracker.rules import behind_from, hours_summary, sum_hundredths
from tracker.rules.forecast import forecast, planned_by_week, weeks_of
from tracker.rules.hours import automatic_target, automatic_target_of, weekdays_between
from tracker.services.hours import time_off_record, time_off_withdraw, working_hours_change

START = date(2026, 1, 5)  # a Monday
END = START + timedelta(weeks=52)  # 364 days, 260 weekdays
MID = START + timedelta(weeks=26)


def d(days):
    return START + timedelta(days=days)


# --- the target -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "weekdays"),
    [
        (d(0), d(4), 5),  # Monday to Friday
        (d(5), d(6), 0),  # a weekend
        (d(0), d(6), 5),
        (d(4), d(7), 2),  # Friday to Monday
        (d(3), d(2), 0),  # the wrong way round
        (d(0), d(363), 260),
    ],
)
def test_weekdays_are_counted_monday_to_friday(first, last, weekdays):
    assert weekdays_between(first, last) == weekdays


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (START, END, Decimal("37.5")),
        (START, END, Decimal(20)),
        (date(2025, 8, 1), date(2026, 4, 3), Decimal(30)),
        (date(2024, 2, 29), date(2026, 11, 17), Decimal("12.5")),
        (date(2026, 3, 4), date(2027, 3, 4), Decimal("2.1")),
    ],
)
def test_with_no_records_the_target_is_the_minimum(start, end, hours):
    assert automatic_target(start, end, hours) == otj_minimum_hours(start, end, hours)


HOURS = Decimal("37.5")  # 6 hours a week: 312 over the 52 weeks
WEEK_OFF = (d(7), d(11))  # Monday to Friday of the second week


@pytest.mark.parametrize(
    ("changes", "time_off", "target"),
    [
        ([], [], 312),
        ([], [WEEK_OFF], 306),  # a week's holiday takes a week out: 52 x 255/260 weeks
        ([], [(d(5), d(6))], 312),  # a weekend away takes nothing
        ([], [(d(7), d(13))], 306),  # Monday to Sunday: the same week
        ([], [(d(9), d(9))], 311),  # one day: a fifth of a week (310.8 rounds up)
        ([], [WEEK_OFF, (d(9), d(15))], 304),  # overlaps counted once: 7 weekdays, 303.6
        ([], [(START, END - timedelta(days=1))], 0),  # all of it off
        ([], [(START - timedelta(days=30), END + timedelta(days=30))], 0),  # and more
        # 6 a week for 26 weeks, then 20 hours a week (4 off the job) for 26: 156 + 104
        ([(MID, Decimal(20), HOURS)], [], 260),
        # ... and a week off in the second half: 25 weeks of 4 hours
        ([(MID, Decimal(20), HOURS)], [(MID + timedelta(weeks=2), MID + timedelta(days=18))], 256),
        # ... and a week off in the first half: 25 weeks of 6 hours
        ([(MID, Decimal(20), HOURS)], [WEEK_OFF], 254),
        ([(START - timedelta(days=9), Decimal(20), HOURS)], [], 208),  # before the start
        ([(START, Decimal(20), HOURS)], [], 208),  # on the start
        ([(END, Decimal(20), HOURS)], [], 312),  # from the planned end: nothing changes
        # two on one day: the later recorded wins
        ([(MID, Decimal(20), HOURS), (MID, Decimal(25), Decimal(20))], [], 156 + 130),
        # two in turn: 13 weeks of 6, 13 of 4, 26 of 5
        (
            [
                (START + timedelta(weeks=13), Decimal(20), HOURS),
                (MID, Decimal(25), Decimal(20)),
            ],
            [],
            78 + 52 + 130,
        ),
    ],
)
def test_the_target_follows_time_off_and_changes_of_hours(changes, time_off, target):
    assert automatic_target(START, END, HOURS, changes, time_off) == target


def test_no_programme_no_target():
    assert automatic_target(START, START, HOURS) == 0
    assert automatic_target(START, END, None) == 0


# --- planned hours per week -------------------------------------------------------------------


def test_an_activity_is_spread_evenly_over_its_days():
    # 10 hours from a Wednesday to the Tuesday after: 5 days in its first week, 2 in the next.
    weeks = planned_by_week([(d(2), d(8), Decimal(10))])
    assert weeks == {d(0): 714, d(7): 286}
    assert sum(weeks.values()) == 1000


def test_activities_in_one_week_add_up_and_empty_ones_count_nothing():
    weeks = planned_by_week(
        [
            (d(0), d(0), Decimal("1.5")),
            (d(0), d(6), Decimal(7)),
            (d(14), d(20), Decimal(0)),
        ]
    )
    assert weeks == {d(0): 850}


def test_a_long_activity_adds_up_to_its_hours_exactly():
    weeks = planned_by_week([(d(1), d(100), Decimal("33.33"))])
    assert sum(weeks.values()) == 3333
    assert len(weeks) == 15


def test_the_weeks_to_date():
    planned = {d(0): 600, d(7): 300}
    accepted = {d(0): 450, START - timedelta(weeks=3): 100, d(14): 200}
    rows = weeks_of(START, END, 312, planned, accepted, today=d(10))
    assert len(rows) == 52
    first, second, third = rows[:3]
    assert (first.planned, first.accepted) == (600, 550)  # an early date counts in week 1
    assert (first.planned_to_date, first.accepted_to_date) == (600, 550)
    assert (second.planned_to_date, second.accepted_to_date) == (900, 550)
    assert third.accepted_to_date is None  # after today
    assert first.expected_to_date == 600  # 312 x 7/364, to a tenth
    assert rows[-1].expected_to_date == 31200
    assert rows[-1].planned_to_date == 900


# --- the forecast -----------------------------------------------------------------------------

T_START, T_END = date(2026, 1, 1), date(2027, 1, 1)  # 365 days


@pytest.mark.parametrize(
    ("accepted", "target", "today", "state", "difference", "sentence"),
    [
        (0, 300, date(2025, 12, 1), "early", 0, "Too early for a forecast"),  # before the start
        (0, 300, T_START, "early", 0, "Too early"),  # zero weeks elapsed
        (600, 300, T_START + timedelta(days=6), "early", 0, "Too early"),
        (0, 300, T_START + timedelta(days=7), "short", 300, "you finish 300 hours short"),
        (4400, 300, T_START + timedelta(days=73), "short", 80, "you finish 80 hours short."),
        (6240, 300, T_START + timedelta(days=73), "over", 12, "you finish 12 hours over."),
        (6009, 300, T_START + timedelta(days=73), "on_target", 0, "you finish on target."),
        (20, 1, T_START + timedelta(days=73), "on_target", 0, "you finish on target."),
        (100, 0, T_START + timedelta(days=73), "no_target", 0, "nothing to forecast"),
        # After the planned end the accepted hours are final.
        (29970, 300, T_END, "short", 1, "passed 1 hour short of the target."),
        (30000, 300, T_END + timedelta(days=90), "on_target", 0, "with the target met."),
        (31249, 300, T_END, "over", 12, "target met and 12 hours over."),
        (0, 0, T_END, "no_target", 0, "nothing to forecast"),
    ],
)
def test_the_forecast_and_its_boundaries(accepted, target, today, state, difference, sentence):
    result = forecast(accepted, target, T_START, T_END, today)
    assert result.state == state
    assert result.difference == difference
    assert sentence in result.sentence
    assert result.ended is (today >= T_END)


def test_the_forecast_projects_the_rate_to_the_planned_end():
    result = forecast(4400, 300, T_START, T_END, T_START + timedelta(days=73))
    assert result.projected == 22000  # 44 h in 73 of 365 days


# --- from the records: Python and SQL agree ---------------------------------------------------


@pytest.fixture
def planned_apprenticeship(acme, standard, apprentice, mentor):
    return ApprenticeshipFactory(
        apprentice=apprentice,
        organisation=acme,
        standard=standard,
        mentor=mentor,
        start_date=START,
        planned_end_date=END,
        weekly_hours=HOURS,
    )


def _line(apprenticeship, on, hours, status):
    return TimesheetEntry.objects.create(
        apprenticeship=apprenticeship, on=on, hours=Decimal(hours), activity="x", status=status
    )


TIMESHEET = [
    ("7.5", "accepted"),
    ("0.25", "accepted"),
    ("3", "submitted"),
    ("4", "returned"),
    ("5", "withdrawn"),
]
EVIDENCE = [("2.5", "accepted"), ("1.05", "submitted"), ("9", "draft")]


def test_accepted_hours_are_evidence_and_timesheet_in_python_and_sql(planned_apprenticeship):
    apprenticeship = planned_apprenticeship
    for hours, status in TIMESHEET:
        _line(apprenticeship, d(3), hours, status)
    for hours, status in EVIDENCE:
        EvidenceFactory(
            apprenticeship=apprenticeship,
            off_the_job_hours=Decimal(hours),
            status=status,
            occurred_on=d(10),
        )
    every = [(Decimal(h), s) for h, s in TIMESHEET + EVIDENCE]
    accepted = sum_hundredths(h for h, s in every if s == "accepted")
    waiting = sum_hundredths(h for h, s in every if s == "submitted")
    assert (accepted, waiting) == (1025, 405)
    today = d(30)
    summary = hours_summary(apprenticeship, today)
    assert (summary.accepted_hundredths, summary.pending_hundredths) == (accepted, waiting)
    tally = Tally.objects.get(pk=apprenticeship.pk)
    assert (tally.accepted_hundredths, tally.pending_hundredths) == (accepted, waiting)
    assert tally.behind_from == behind_from(accepted, 312, START, END)
    assert tally_check() == []
    row = dashboard_row(apprenticeship, today)
    assert row.accepted_hundredths == accepted
    assert row.on_track is summary.on_track
    assert accepted_by_week(apprenticeship) == {d(0): 775, d(7): 250}


def test_a_decision_on_a_line_refreshes_the_dashboard(planned_apprenticeship):
    entry = _line(planned_apprenticeship, d(3), "6", "submitted")
    assert Tally.objects.get(pk=planned_apprenticeship.pk).pending_hundredths == 600
    entry.status = "accepted"
    entry.save()
    tally = Tally.objects.get(pk=planned_apprenticeship.pk)
    assert (tally.accepted_hundredths, tally.pending_hundredths) == (600, 0)
    assert tally_check() == []


def test_time_off_and_a_change_of_hours_move_an_automatic_target(planned_apprenticeship, mentor):
    apprenticeship = planned_apprenticeship
    assert apprenticeship.otj_target_hours == 312
    _line(apprenticeship, d(3), "20", "accepted")
    time_off = time_off_record(
        user=mentor,
        apprenticeship=apprenticeship,
        kind="holiday",
        starts_on=WEEK_OFF[0],
        ends_on=WEEK_OFF[1],
    )
    apprenticeship.refresh_from_db()
    assert apprenticeship.otj_target_hours == 306
    working_hours_change(
        user=mentor, apprenticeship=apprenticeship, from_date=MID, weekly_hours=Decimal(20)
    )
    apprenticeship.refresh_from_db()
    assert apprenticeship.weekly_hours == Decimal(20)
    assert apprenticeship.otj_target_hours == 254
    assert automatic_target_of(apprenticeship) == 254
    tally = Tally.objects.get(pk=apprenticeship.pk)
    assert tally.behind_from == behind_from(2000, 254, START, END)
    assert tally_check() == []
    time_off_withdraw(user=mentor, time_off=time_off)
    apprenticeship.refresh_from_db()
    assert apprenticeship.otj_target_hours == 260
    assert Tally.objects.get(pk=apprenticeship.pk).behind_from == behind_from(2000, 260, START, END)
    assert tally_check() == []
    page = hours_page(apprenticeship, d(60))
    assert page.hours.target == 260
    assert page.weeks[-1].expected_to_date == 26000


def test_a_target_set_by_hand_stays(planned_apprenticeship, mentor):
    apprenticeship = planned_apprenticeship
    apprenticeship.otj_target_hours = 400
    apprenticeship.save()
    time_off_record(
        user=mentor,
        apprenticeship=apprenticeship,
        kind="sickness",
        starts_on=WEEK_OFF[0],
        ends_on=WEEK_OFF[1],
    )
    working_hours_change(
        user=mentor, apprenticeship=apprenticeship, from_date=MID, weekly_hours=Decimal(20)
    )
    apprenticeship.refresh_from_db()
    assert (apprenticeship.otj_target_hours, apprenticeship.weekly_hours) == (400, 20)
    assert tally_check() == []


def test_planned_hours_come_from_the_latest_plan_not_removed_activities(
    planned_apprenticeship, mentor
):
    older = TrainingPlan.objects.create(apprenticeship=planned_apprenticeship)
    PlanActivity.objects.create(
        plan=older, title="Old", kind="course", starts_on=d(0), ends_on=d(6), planned_hours=50
    )
    latest = TrainingPlan.objects.create(
        apprenticeship=planned_apprenticeship, created_at=timezone.now() + timedelta(seconds=1)
    )
    for title, removed in (("Kept", None), ("Removed", timezone.now())):
        PlanActivity.objects.create(
            plan=latest,
            title=title,
            kind="course",
            starts_on=d(0),
            ends_on=d(6),
            planned_hours=7,
            removed_at=removed,
        )
    assert current_plan_activities(planned_apprenticeship) == [(d(0), d(6), Decimal(7))]
    page = hours_page(planned_apprenticeship, d(3))
    assert page.planned_total == 700
    assert page.weeks[0].planned_to_date == 700


def test_an_apprenticeship_without_a_plan_plans_nothing(planned_apprenticeship):
    page = hours_page(planned_apprenticeship, d(3))
    assert page.planned_total == 0
    assert page.forecast.state == "early"
