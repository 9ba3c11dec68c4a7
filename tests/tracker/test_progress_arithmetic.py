"""Coverage, status transitions and the hours arithmetic on small hand-computed cases."""

from datetime import date
from decimal import Decimal

import pytest

from tracker.models import DutyProgress
from tracker.selectors import Hours, derived_status, elapsed_share, next_review, weekly_hours

S = DutyProgress.Status


@pytest.mark.parametrize(
    ("ksbs", "accepted", "active", "expected"),
    [
        ({1, 2, 3}, set(), set(), S.NOT_STARTED),
        ({1, 2, 3}, set(), {9}, S.NOT_STARTED),  # evidence for another duty's KSB only
        ({1, 2, 3}, set(), {2}, S.IN_PROGRESS),  # first evidence submitted
        ({1, 2, 3}, {1, 2}, {1, 2, 3}, S.IN_PROGRESS),  # two of three accepted
        ({1, 2, 3}, {1, 2, 3}, {1, 2, 3}, S.EVIDENCED),  # every KSB covered
        ({1, 2, 3}, {1, 2, 3, 4}, {1, 2, 3, 4}, S.EVIDENCED),
        (set(), {1}, {1}, S.NOT_STARTED),  # a duty without KSBs is never evidenced
    ],
)
def test_duty_status_follows_the_evidence(ksbs, accepted, active, expected):
    assert derived_status(ksbs, accepted, active) == expected


@pytest.mark.parametrize(
    ("today", "share"),
    [
        (date(2025, 12, 1), Decimal(0)),  # before the start
        (date(2026, 1, 1), Decimal(0)),
        (date(2026, 7, 2), Decimal("0.4986")),  # 182 of 365 days
        (date(2026, 12, 31), Decimal("0.9973")),
        (date(2027, 6, 1), Decimal(1)),  # after the planned end
    ],
)
def test_elapsed_share_of_the_planned_duration(today, share):
    assert elapsed_share(date(2026, 1, 1), date(2027, 1, 1), today) == share


def test_expected_hours_and_on_track_at_ninety_percent():
    hours = Hours(
        accepted=Decimal(90), pending=Decimal(10), target=400, elapsed_share=Decimal("0.25")
    )
    assert hours.expected == Decimal("100.0")
    assert hours.on_track  # 90 >= 0.9 x 100
    behind = Hours(
        accepted=Decimal("89.9"), pending=Decimal(0), target=400, elapsed_share=Decimal("0.25")
    )
    assert not behind.on_track
    assert behind.remaining == Decimal("310.1")
    assert Hours(Decimal(0), Decimal(0), 400, Decimal(0)).on_track  # nothing expected yet
    assert Hours(Decimal(500), Decimal(0), 400, Decimal(1)).percent_of_target == 100


class _Apprenticeship:
    def __init__(self, start, end):
        self.start_date, self.planned_end_date, self.pk = start, end, None


def test_next_review_is_twelve_weeks_after_the_start_without_reviews():
    a = _Apprenticeship(date(2026, 1, 5), date(2028, 1, 5))
    due = next_review(a, latest=None, today=date(2026, 3, 1))
    assert due.due_on == date(2026, 3, 30) and not due.overdue and due.label == "due in 29 days"
    late = next_review(a, latest=None, today=date(2026, 4, 1))
    assert late.overdue and late.label == "overdue by 2 days"


def test_next_review_follows_the_latest_review():
    class Review:
        next_due_on = date(2026, 6, 1)

    a = _Apprenticeship(date(2026, 1, 5), date(2028, 1, 5))
    assert next_review(a, latest=Review(), today=date(2026, 6, 1)).label == "due today"


@pytest.mark.django_db
def test_weekly_hours_are_summed_in_the_database_per_week(apprenticeship):
    from tests.factories import EvidenceFactory

    apprenticeship.start_date = date(2026, 1, 5)  # a Monday
    apprenticeship.planned_end_date = date(2027, 1, 5)
    apprenticeship.save()
    for day, hours, status in [
        (date(2026, 1, 6), "2", "accepted"),
        (date(2026, 1, 9), "3.5", "accepted"),
        (date(2026, 1, 13), "1", "accepted"),
        (date(2026, 1, 13), "4", "submitted"),  # not accepted: not counted
    ]:
        EvidenceFactory(
            apprenticeship=apprenticeship,
            occurred_on=day,
            off_the_job_hours=Decimal(hours),
            status=status,
        )
    weeks = weekly_hours(apprenticeship, today=date(2026, 1, 28))
    assert weeks == [
        (date(2026, 1, 5), Decimal("5.5")),
        (date(2026, 1, 12), Decimal("1")),
        (date(2026, 1, 19), Decimal(0)),
        (date(2026, 1, 26), Decimal(0)),
    ]
