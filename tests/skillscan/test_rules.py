"""Which scan counts: the latest submitted one, never a draft; Python and SQL agree."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Apprenticeship
from skillscan.rules import (
    counted_scans,
    latest_scan,
    latest_scan_query,
    latest_scan_sql,
    previous_scan,
)
from tests.factories import make_scan

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _latest_by_sql(apprenticeship):
    return (
        Apprenticeship.objects.filter(pk=apprenticeship.pk)
        .annotate(latest=latest_scan_sql("pk"), latest_status=latest_scan_sql("status"))
        .values_list("latest", "latest_status")
        .get()
    )


def _agree(apprenticeship):
    """The latest scan by the Python rule, checked against both SQL forms."""
    scans = list(apprenticeship.scans.all())
    latest = latest_scan(scans)
    expected = (latest.pk, latest.status) if latest else (None, None)
    assert _latest_by_sql(apprenticeship) == expected
    assert latest_scan_query(apprenticeship).first() == latest
    return latest


def test_no_scan_no_latest(apprenticeship):
    assert _agree(apprenticeship) is None


def test_a_draft_never_counts(apprenticeship):
    make_scan(apprenticeship, scores={})
    assert _agree(apprenticeship) is None


def test_starting_a_new_scan_leaves_the_latest_as_it_was(apprenticeship):
    validated = make_scan(apprenticeship, status="validated", submitted_at=NOW - timedelta(days=9))
    make_scan(apprenticeship, stage="review", scores={})
    assert _agree(apprenticeship) == validated
    assert latest_scan(list(apprenticeship.scans.all())).status == "validated"


def test_the_latest_is_the_one_submitted_last(apprenticeship):
    first = make_scan(apprenticeship, status="validated", submitted_at=NOW - timedelta(days=30))
    # Created after the first but submitted before it (a clock-skewed import, say).
    second = make_scan(
        apprenticeship,
        stage="review",
        status="submitted",
        submitted_at=NOW - timedelta(days=40),
    )
    assert _agree(apprenticeship) == first
    assert previous_scan(first, [first, second]) == second
    assert previous_scan(second, [first, second]) is None


def test_submitted_at_the_same_moment_the_later_recorded_wins(apprenticeship):
    moment = NOW - timedelta(days=5)
    make_scan(apprenticeship, status="validated", submitted_at=moment)
    later = make_scan(apprenticeship, stage="review", status="submitted", submitted_at=moment)
    assert _agree(apprenticeship) == later
    assert latest_scan(list(apprenticeship.scans.all())).status == "submitted"


def test_a_submitted_scan_waiting_for_validation_is_the_latest(apprenticeship):
    make_scan(apprenticeship, status="validated", submitted_at=NOW - timedelta(days=9))
    waiting = make_scan(apprenticeship, stage="review", status="submitted")
    assert _agree(apprenticeship) == waiting
    assert latest_scan(list(apprenticeship.scans.all())).status == "submitted"


def test_another_apprenticeships_scans_never_count(side_by_side):
    assert _agree(side_by_side.mine) == side_by_side.mine_review
    assert _agree(side_by_side.theirs) == side_by_side.theirs_initial
    mine = list(side_by_side.mine.scans.all())
    assert counted_scans(mine) == [side_by_side.mine_initial, side_by_side.mine_review]
    assert previous_scan(side_by_side.mine_review, mine) == side_by_side.mine_initial
    assert previous_scan(side_by_side.theirs_initial, side_by_side.theirs.scans.all()) is None


def test_the_previous_scan_of_a_draft_is_the_latest(apprenticeship):
    validated = make_scan(apprenticeship, status="validated", submitted_at=NOW - timedelta(days=9))
    draft = make_scan(apprenticeship, stage="review", scores={})
    assert previous_scan(draft, [validated, draft]) == validated
    assert previous_scan(draft, [draft]) is None


def test_a_scan_that_is_not_a_draft_always_has_its_submission_time(apprenticeship):
    from django.db import IntegrityError, transaction

    scan = make_scan(apprenticeship, scores={})
    with pytest.raises(IntegrityError), transaction.atomic():
        type(scan).objects.filter(pk=scan.pk).update(status="submitted")
