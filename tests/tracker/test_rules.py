"""The tracker's rule book: each rule on hand-built cases, boundaries pinned, and its Python
and SQL forms run on the same cases to show they agree."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.dashboard_rows import dashboard_row, dashboard_rows
from tests.factories import ApprenticeshipFactory, EvidenceFactory, ProgressReviewFactory
from tracker.models import DutySignOff
from tracker.rules import (
    REVIEW_INTERVAL,
    DutyStatus,
    Hours,
    behind_from,
    duty_status,
    elapsed_days,
    evidenced_ksb_ids,
    expected_tenths,
    hours_summary,
    hundredths,
    is_on_track,
    next_review,
    percent,
    planned_days,
    review_due_on,
    signed_off_duty_ids,
    sum_hundredths,
    target_met,
)
from tracker.selectors import duty_rows, duty_rows_from_database, sign_off_events, weekly_hours

S = DutyStatus
START = date(2026, 1, 1)
END = date(2027, 1, 1)  # 365 days


# --- the arithmetic, by hand ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "expected"),
    [("0", 0), ("0.01", 1), ("45.10", 4510), ("24", 2400), ("2.5", 250), ("0.005", 1)],
)
def test_hours_are_counted_in_hundredths(hours, expected):
    assert hundredths(Decimal(hours)) == expected


def test_a_sum_of_tenths_is_exact():
    assert sum_hundredths([Decimal("0.1")] * 451) == 4510


@pytest.mark.parametrize(
    ("today", "elapsed"),
    [
        (date(2025, 12, 1), 0),  # before the start
        (START, 0),
        (date(2026, 1, 2), 1),
        (date(2026, 7, 2), 182),
        (END, 365),
        (date(2027, 6, 1), 365),  # after the planned end
    ],
)
def test_elapsed_days_stay_within_the_programme(today, elapsed):
    assert elapsed_days(START, END, today) == elapsed
    assert planned_days(START, END) == 365


def test_a_programme_of_no_days_counts_as_one():
    assert planned_days(START, START) == 1
    assert elapsed_days(START, START, END) == 1


@pytest.mark.parametrize(
    ("target", "today", "tenths"),
    [
        (400, START, 0),
        (400, END, 4000),
        (400, date(2027, 3, 1), 4000),
        (365, date(2026, 1, 2), 10),  # exactly 1.0 h a day
        (300, START + timedelta(days=61), 501),  # 50.137 h -> 50.1
        (300, START + timedelta(days=62), 510),  # 50.959 h -> 51.0
        (0, date(2026, 7, 2), 0),
    ],
)
def test_expected_hours_are_rounded_to_a_tenth(target, today, tenths):
    assert expected_tenths(target, START, END, today) == tenths


def test_expected_hours_round_half_up():
    # 1 hour over 4 days, after 1 day: 0.25 h = 2.5 tenths -> 3 tenths.
    assert expected_tenths(1, START, START + timedelta(days=4), START + timedelta(days=1)) == 3
    # 1 hour over 4 days, after 3 days: 7.5 tenths -> 8.
    assert expected_tenths(1, START, START + timedelta(days=4), START + timedelta(days=3)) == 8


@pytest.mark.parametrize(
    ("accepted", "expected", "on_track"),
    [
        (4509, 501, True),  # exactly 90% of 50.1 h
        (4508, 501, False),  # a hundredth under
        (4510, 501, True),  # the 45.10 h case
        (0, 0, True),  # nothing expected yet
        (9000, 1000, True),
        (8999, 1000, False),
    ],
)
def test_on_track_is_ninety_percent_of_expected(accepted, expected, on_track):
    assert is_on_track(accepted, expected) is on_track


def test_the_target_is_met_at_exactly_its_hours():
    assert target_met(40000, 400)
    assert not target_met(39999, 400)
    assert target_met(0, 0)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 9, 0), (1, 8, 13), (3, 9, 33), (5, 9, 56), (1, 200, 1), (1, 201, 0), (9, 9, 100)],
)
def test_percent_rounds_half_up(part, whole, expected):
    assert percent(part, whole) == expected


def test_percent_of_nothing_is_zero():
    assert percent(0, 0) == 0
    assert percent(5, 0) == 0


def test_hours_in_the_units_pages_show():
    hours = Hours(
        accepted_hundredths=4510,
        pending_hundredths=250,
        target=300,
        expected_tenths=501,
        elapsed_days=61,
        planned_days=365,
    )
    assert hours.accepted == Decimal("45.10")
    assert hours.pending == Decimal("2.50")
    assert hours.expected == Decimal("50.1")
    assert hours.on_track and not hours.target_met
    assert hours.remaining == Decimal("254.90")
    assert (hours.percent_of_target, hours.percent_expected, hours.percent_elapsed) == (15, 17, 17)
    done = Hours(40000, 0, 400, 4000, 365, 365)
    assert (done.percent_of_target, done.remaining, done.target_met) == (100, 0, True)
    over = Hours(50000, 0, 400, 4000, 365, 365)
    assert over.percent_of_target == 100
    nothing = Hours(0, 0, 0, 0, 10, 365)
    assert (nothing.percent_of_target, nothing.percent_expected) == (100, 0)


# --- hours: Python and SQL agree --------------------------------------------------------------

HOURS_CASES = [
    # (target, days since the start, accepted entries, submitted entries)
    (300, 61, ["24", "21.10"], []),  # the boundary from the field: on track everywhere
    (300, 61, ["24", "21.09"], ["9"]),  # exactly 90%
    (300, 61, ["24", "21.08"], []),  # a hundredth under
    (300, 61, ["0.1"] * 451, []),  # 45.10 in tenths: no float drift on SQLite
    (400, 0, [], []),  # nothing expected on the first day
    (400, -10, [], ["2"]),  # before the start
    (400, 400, ["24"] * 16 + ["15.99"], []),  # after the end, a hundredth short of the target
    (0, 100, [], []),
    (1, 91, ["0.22"], []),  # 0.249 h expected -> 0.2; 90% of it is 0.18
]


@pytest.mark.parametrize(("target", "days", "accepted", "submitted"), HOURS_CASES)
def test_hours_python_and_sql_agree(db, acme, standard, target, days, accepted, submitted):
    apprenticeship = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        start_date=START,
        planned_end_date=END,
        otj_target_hours=target,
    )
    today = START + timedelta(days=days)
    for status, entries in (("accepted", accepted), ("submitted", submitted)):
        for hours in entries:
            EvidenceFactory(
                apprenticeship=apprenticeship,
                status=status,
                off_the_job_hours=Decimal(hours),
                occurred_on=START,
            )
    summary = hours_summary(apprenticeship, today)
    assert summary.accepted_hundredths == sum_hundredths(Decimal(h) for h in accepted)
    assert summary.pending_hundredths == sum_hundredths(Decimal(h) for h in submitted)
    assert summary.expected_tenths == expected_tenths(target, START, END, today)
    row = dashboard_row(apprenticeship, today)
    assert row.accepted_hundredths == summary.accepted_hundredths
    assert row.expected_tenths == summary.expected_tenths
    assert row.on_track is summary.on_track
    assert row.behind is not summary.on_track


def test_the_boundary_cases_give_the_verdicts_expected(db, acme, standard):
    verdicts = []
    for target, days, accepted, _ in HOURS_CASES[:4]:
        apprenticeship = ApprenticeshipFactory(
            organisation=acme,
            standard=standard,
            start_date=START,
            planned_end_date=END,
            otj_target_hours=target,
        )
        for hours in accepted:
            EvidenceFactory(
                apprenticeship=apprenticeship,
                status="accepted",
                off_the_job_hours=Decimal(hours),
                occurred_on=START,
            )
        verdicts.append(hours_summary(apprenticeship, START + timedelta(days=days)).on_track)
    assert verdicts == [True, True, False, True]


# --- reviews: Python and SQL agree ------------------------------------------------------------


@pytest.mark.parametrize(
    ("reviews", "days_after_start", "due", "days"),
    [
        ([], 83, START + REVIEW_INTERVAL, 1),
        ([], 84, START + REVIEW_INTERVAL, 0),  # due today: not overdue
        ([], 85, START + REVIEW_INTERVAL, -1),  # a day late: overdue
        ([(30, 120)], 119, START + timedelta(days=120), 1),
        # The latest review is the one held last, whatever order they were recorded in.
        ([(60, 150), (30, 100)], 120, START + timedelta(days=150), 30),
        ([(30, 100), (60, 150)], 120, START + timedelta(days=150), 30),
        # Two held the same day: the one recorded last.
        ([(60, 150), (60, 110)], 120, START + timedelta(days=110), -10),
    ],
)
def test_next_review_python_and_sql_agree(db, acme, standard, reviews, days_after_start, due, days):
    apprenticeship = ApprenticeshipFactory(
        organisation=acme, standard=standard, start_date=START, planned_end_date=END
    )
    for held, next_due in reviews:
        ProgressReviewFactory(
            apprenticeship=apprenticeship,
            held_on=START + timedelta(days=held),
            next_due_on=START + timedelta(days=next_due),
        )
    today = START + timedelta(days=days_after_start)
    review = next_review(apprenticeship, apprenticeship.reviews.first(), today)
    assert (review.due_on, review.days, review.overdue) == (due, days, days < 0)
    row = dashboard_row(apprenticeship, today)
    assert (row.review_days, row.review_overdue) == (days, days < 0)


@pytest.mark.parametrize(
    ("days", "label"),
    [(0, "due today"), (1, "due in 1 day"), (12, "due in 12 days")],
)
def test_next_review_labels(days, label):
    class Organisation:
        review_interval_weeks = REVIEW_INTERVAL.days // 7

    class Start:
        start_date = START
        organisation = Organisation

    assert next_review(Start, None, START + REVIEW_INTERVAL - timedelta(days=days)).label == label
    late = next_review(Start, None, START + REVIEW_INTERVAL + timedelta(days=days or 2))
    assert late.label == f"overdue by {days or 2} day{'s' if (days or 2) != 1 else ''}"


# --- duties -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ksbs", "accepted", "active", "signed", "expected"),
    [
        ({1, 2, 3}, set(), set(), False, S.NOT_STARTED),
        ({1, 2, 3}, set(), {9}, False, S.NOT_STARTED),  # another duty's KSB only
        ({1, 2, 3}, set(), {2}, False, S.IN_PROGRESS),
        ({1, 2, 3}, {1, 2}, {1, 2, 3}, False, S.IN_PROGRESS),
        ({1, 2, 3}, {1, 2, 3}, {1, 2, 3}, False, S.EVIDENCED),
        ({1, 2, 3}, {1, 2, 3, 4}, {1, 2, 3, 4}, False, S.EVIDENCED),
        (set(), {1}, {1}, False, S.NOT_STARTED),  # a duty without KSBs is never evidenced
        ({1, 2, 3}, set(), set(), True, S.SIGNED_OFF),  # the employer's word wins
        (set(), set(), set(), True, S.SIGNED_OFF),
    ],
)
def test_duty_status(ksbs, accepted, active, signed, expected):
    assert duty_status(ksbs, accepted, active, signed) == expected


def test_a_duty_is_signed_off_while_its_latest_event_says_so():
    class Event:
        def __init__(self, pk, duty_id, action):
            self.pk, self.duty_id, self.action = pk, duty_id, action

    events = [
        Event(1, 10, "signed_off"),
        Event(2, 11, "signed_off"),
        Event(4, 11, "signed_off"),
        Event(3, 11, "undone"),
        Event(5, 12, "signed_off"),
        Event(6, 12, "undone"),
    ]
    assert signed_off_duty_ids(events) == {10, 11}
    assert signed_off_duty_ids([]) == set()


def _python_rows(apprenticeship):
    from standards.selectors import standard_structure

    accepted, active = evidenced_ksb_ids(apprenticeship)
    return duty_rows(
        standard_structure(apprenticeship.standard),
        accepted=accepted,
        active=active,
        events=sign_off_events(apprenticeship),
        means={},
    )


def _figures(rows):
    return [(row.duty.number, row.covered, row.total, row.status) for row in rows]


def test_duty_rows_side_by_side(side_by_side):
    mine = [
        (1, 3, 3, S.SIGNED_OFF),
        (2, 0, 4, S.IN_PROGRESS),
        (3, 0, 2, S.NOT_STARTED),  # a draft does not count
        (4, 0, 0, S.NOT_STARTED),
    ]
    theirs = [
        (1, 1, 3, S.IN_PROGRESS),
        (2, 4, 4, S.EVIDENCED),  # signed off, then undone
        (3, 0, 2, S.SIGNED_OFF),
        (4, 0, 0, S.NOT_STARTED),
    ]
    for apprenticeship, expected in ((side_by_side.mine, mine), (side_by_side.theirs, theirs)):
        assert _figures(_python_rows(apprenticeship)) == expected
        assert _figures(duty_rows_from_database(apprenticeship)) == expected


def test_sign_off_and_its_undoing_move_the_status_both_ways(side_by_side, mentor):
    mine, duty = side_by_side.mine, side_by_side.duties[1]
    for action, status in (("signed_off", S.SIGNED_OFF), ("undone", S.IN_PROGRESS)):
        DutySignOff.objects.create(apprenticeship=mine, duty=duty, action=action, by=mentor)
        assert _python_rows(mine)[1].status == status
        assert duty_rows_from_database(mine)[1].status == status


def test_ksb_coverage_side_by_side(side_by_side):
    assert evidenced_ksb_ids(side_by_side.mine) == (
        {side_by_side.ksb[c].pk for c in ("K1", "K2", "S1")},
        {side_by_side.ksb[c].pk for c in ("K1", "K2", "S1", "K3")},
    )
    rows = dashboard_rows([side_by_side.mine, side_by_side.theirs])
    mine, theirs = rows[side_by_side.mine.pk], rows[side_by_side.theirs.pk]
    assert (mine.ksbs_covered, mine.ksbs_total, mine.coverage) == (3, 9, 33)
    assert (theirs.ksbs_covered, theirs.ksbs_total, theirs.coverage) == (5, 9, 56)
    assert (mine.duties_signed, mine.duties_total) == (1, 4)
    assert (theirs.duties_signed, theirs.duties_total) == (1, 4)


def test_hours_side_by_side(side_by_side):
    mine, theirs = hours_summary(side_by_side.mine), hours_summary(side_by_side.theirs)
    assert (mine.accepted, mine.pending) == (Decimal("8.25"), Decimal("2"))
    assert (theirs.accepted, theirs.pending) == (Decimal("30.5"), Decimal(0))
    assert mine.percent_of_target == 8
    assert theirs.percent_of_target == 31
    weeks = dict(weekly_hours(side_by_side.mine))
    assert sum(weeks.values()) == Decimal("8.25")
    assert sum(dict(weekly_hours(side_by_side.theirs)).values()) == Decimal("30.5")


def test_one_apprenticeships_sign_offs_never_touch_anothers(side_by_side, manager):
    duty = side_by_side.duties[0]
    # After "mine" signed duty 1 off, "theirs" signs the same duty off and undoes it.
    for action in ("signed_off", "undone"):
        DutySignOff.objects.create(
            apprenticeship=side_by_side.theirs, duty=duty, action=action, by=manager
        )
    assert _python_rows(side_by_side.mine)[0].status == S.SIGNED_OFF
    assert duty_rows_from_database(side_by_side.mine)[0].status == S.SIGNED_OFF
    assert duty_rows_from_database(side_by_side.theirs)[0].status == S.IN_PROGRESS
    rows = {
        pk: row.duties_signed
        for pk, row in dashboard_rows([side_by_side.mine, side_by_side.theirs]).items()
    }
    assert rows == {side_by_side.mine.pk: 1, side_by_side.theirs.pk: 1}


def test_nothing_signed_or_evidenced_counts_zero(acme, standard):
    apprenticeship = ApprenticeshipFactory(organisation=acme, standard=standard)
    row = dashboard_row(apprenticeship)
    assert (row.duties_signed, row.ksbs_covered, row.coverage) == (0, 0, 0)


def test_a_duty_of_one_ksb_is_evidenced_by_it(acme):
    from tests.factories import make_standard

    standard = make_standard(knowledge=1, skills=0, behaviours=0, duties=1)
    apprenticeship = ApprenticeshipFactory(organisation=acme, standard=standard)
    EvidenceFactory(
        apprenticeship=apprenticeship, status="accepted", ksbs=list(standard.ksbs.all())
    )
    assert _figures(_python_rows(apprenticeship)) == [(1, 1, 1, S.EVIDENCED)]
    assert _figures(duty_rows_from_database(apprenticeship)) == [(1, 1, 1, S.EVIDENCED)]


def test_the_hours_page_shows_the_arithmetic(client, apprentice, acme, standard):
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice,
        organisation=acme,
        standard=standard,
        start_date=date.today() - timedelta(days=73),
        planned_end_date=date.today() + timedelta(days=292),
        otj_target_hours=300,
    )
    client.force_login(apprentice)
    html = client.get(f"/apprenticeships/{apprenticeship.pk}/hours/").content.decode()
    text = " ".join(html.split())
    assert "(300 hours \u00d7 73 of 365 days, about 20%)" in text
    assert "Expected by today: 60 hours." in text
    assert "at least 90% of that is accepted" in text


def test_a_one_day_programme_expects_everything_after_its_day(db, acme, standard):
    apprenticeship = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        start_date=START,
        planned_end_date=START + timedelta(days=1),
        otj_target_hours=8,
    )
    for days, tenths in ((0, 0), (1, 80), (5, 80)):
        today = START + timedelta(days=days)
        assert hours_summary(apprenticeship, today).expected_tenths == tenths
        row = dashboard_row(apprenticeship, today)
        assert row.expected_tenths == tenths


# --- the day an apprenticeship falls behind: what the dashboard stores ---------------------------


@given(
    target=st.integers(min_value=0, max_value=2000),
    days=st.integers(min_value=1, max_value=1500),
    accepted=st.integers(min_value=0, max_value=250_000),
    offset=st.integers(min_value=-30, max_value=1600),
)
def test_behind_from_is_the_day_on_track_stops(target, days, accepted, offset):
    """On every day, before the start and after the end included, "behind" (not on track) is
    exactly "on or after behind_from": the SQL compares the stored day with today."""
    end = START + timedelta(days=days)
    today = START + timedelta(days=offset)
    day = behind_from(accepted, target, START, end)
    behind = not is_on_track(accepted, expected_tenths(target, START, end, today))
    assert behind is (day is not None and today >= day)


@pytest.mark.parametrize(
    ("target", "accepted", "day"),
    [
        (365, 0, START + timedelta(days=1)),  # nothing accepted: behind once anything is due
        (365, 9000, START + timedelta(days=101)),  # 90 h = 90% of 100 h: on track on day 100
        (365, 32850, None),  # 328.5 h = 90% of the whole target: never behind
        (365, 32849, END),  # a hundredth short: behind on the last day
        (0, 0, None),  # no target: nothing is ever expected
    ],
)
def test_behind_from_at_its_boundaries(target, accepted, day):
    assert behind_from(accepted, target, START, END) == day


def test_the_review_due_date_is_the_one_agreed_else_twelve_weeks_in():
    assert review_due_on(START, None) == START + REVIEW_INTERVAL == date(2026, 3, 26)
    assert review_due_on(START, date(2026, 2, 1)) == date(2026, 2, 1)


# --- a KSB is evidenced when some accepted evidence accepted it (issue 12) --------------------


@pytest.mark.parametrize(
    ("status", "accepted", "counts"),
    [
        ("accepted", True, True),
        ("accepted", False, False),  # the decision accepted the evidence but not this KSB
        ("submitted", True, False),  # a flag left from before counts for nothing
        ("changes_requested", True, False),
        ("draft", True, False),
        ("submitted", False, False),
    ],
)
def test_a_link_counts_only_when_accepted_evidence_accepted_its_ksb(status, accepted, counts):
    from tracker.rules import ksb_accepted

    assert ksb_accepted(status, accepted) is counts


def test_ksb_acceptance_python_and_sql_agree_on_the_boundaries(acme):
    """Each status with the link's flag both ways, and one KSB both refused and accepted by two
    pieces: the Python rule, its SQL twin, the duty rows of both and the stored tally agree."""
    from accounts.models import Apprenticeship
    from progress.tally import tally_refresh
    from tests.factories import DutyFactory, KSBFactory, StandardFactory
    from tracker.models import EvidenceKSB
    from tracker.rules import ksbs_covered_sql

    standard = StandardFactory(reference="ST0002", title="Per KSB")
    k = {n: KSBFactory(standard=standard, kind="K", number=n) for n in range(1, 7)}
    DutyFactory(standard=standard, number=1, ksbs=[k[1], k[2]])
    DutyFactory(standard=standard, number=2, ksbs=[k[3], k[4]])
    DutyFactory(standard=standard, number=3, ksbs=[k[5], k[6]])
    apprenticeship = ApprenticeshipFactory(organisation=acme, standard=standard)

    def piece(status, flags):
        evidence = EvidenceFactory(
            apprenticeship=apprenticeship, status=status, ksbs=[k[n] for n in flags]
        )
        for n, accepted in flags.items():
            EvidenceKSB.objects.filter(evidence=evidence, ksb=k[n]).update(accepted=accepted)

    piece("accepted", {1: True, 2: False})
    piece("submitted", {2: True})
    piece("changes_requested", {4: True})
    piece("accepted", {3: False})
    piece("accepted", {3: True, 5: True, 6: True})
    piece("draft", {4: True})
    tally_refresh([apprenticeship.pk])  # the flags were set in bulk, as a migration would

    accepted, active = evidenced_ksb_ids(apprenticeship)
    assert accepted == {k[1].pk, k[3].pk, k[5].pk, k[6].pk}
    assert active == {k[n].pk for n in (1, 2, 3, 4, 5, 6)}
    covered = Apprenticeship.objects.annotate(n=ksbs_covered_sql()).get(pk=apprenticeship.pk).n
    assert covered == len(accepted) == 4
    expected = [(1, 1, 2, S.IN_PROGRESS), (2, 1, 2, S.IN_PROGRESS), (3, 2, 2, S.EVIDENCED)]
    assert _figures(_python_rows(apprenticeship)) == expected
    assert _figures(duty_rows_from_database(apprenticeship)) == expected
    assert dashboard_row(apprenticeship).ksbs_covered == 4
