"""Needs attention (and why) and gateway readiness: each rule on hand-built cases, with its
Python and SQL forms run on the same cases."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Apprenticeship, Organisation
from progress.rules import GATEWAY_LINES, attention_reasons
from progress.selectors import gateway_for, gateway_guard
from progress.tally import tally_check, tally_refresh
from tests.dashboard_rows import dashboard_row, dashboard_rows
from tests.factories import ApprenticeshipFactory, EvidenceFactory, ProgressReviewFactory, make_scan
from tracker.models import DutySignOff
from tracker.rules import next_review

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("flags", "reasons"),
    [
        ({}, []),
        ({"behind": True}, ["behind on hours"]),
        ({"review_overdue": True}, ["review overdue"]),
        ({"evidence_waiting": 1}, ["evidence waiting"]),  # submitted before times were kept
        ({"evidence_waiting": 1, "evidence_days": 0}, ["evidence sent today"]),
        ({"evidence_waiting": 1, "evidence_days": 1}, ["evidence waiting 1 day"]),
        ({"evidence_waiting": 3, "evidence_days": 12}, ["evidence waiting 12 days (3 pieces)"]),
        ({"scan_waiting": True}, ["scan waiting for validation"]),
        (
            {
                "behind": True,
                "review_overdue": True,
                "evidence_waiting": 2,
                "scan_waiting": True,
                "evidence_days": 4,
            },
            [
                "review overdue",
                "behind on hours",
                "evidence waiting 4 days (2 pieces)",
                "scan waiting for validation",
            ],
        ),
    ],
)
def test_attention_reasons(flags, reasons):
    full = {"behind": False, "review_overdue": False, "evidence_waiting": 0, "scan_waiting": False}
    assert attention_reasons(**{**full, **flags}) == reasons


def _calm(acme, standard):
    """An apprenticeship with nothing to flag: on track, review not due, nothing waiting."""
    apprenticeship = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        start_date=date.today() - timedelta(days=10),
        planned_end_date=date.today() + timedelta(days=355),
        otj_target_hours=365,
    )
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", off_the_job_hours=Decimal(9))
    return apprenticeship


def _make(case, apprenticeship):
    if case == "behind":
        apprenticeship.evidence.update(off_the_job_hours=Decimal("8.99"))
    elif case == "overdue":
        ProgressReviewFactory(
            apprenticeship=apprenticeship,
            held_on=date.today() - timedelta(days=9),
            next_due_on=date.today() - timedelta(days=1),
        )
    elif case == "evidence":  # the oldest has waited three days
        for days in (1, 3, 2):
            EvidenceFactory(
                apprenticeship=apprenticeship,
                status="submitted",
                submitted_at=timezone.now() - timedelta(days=days),
            )
    elif case == "one evidence":  # submitted before the time was kept
        EvidenceFactory(apprenticeship=apprenticeship, status="submitted")
    elif case == "scan":
        make_scan(apprenticeship, status="submitted")
    elif case == "draft scan and changes requested":
        make_scan(apprenticeship, scores={})
        EvidenceFactory(apprenticeship=apprenticeship, status="changes_requested")
    tally_refresh([apprenticeship.pk])  # queryset.update() sends no signal


@pytest.mark.parametrize(
    ("case", "reasons"),
    [
        ("nothing", []),
        ("behind", ["behind on hours"]),
        ("overdue", ["review overdue"]),
        ("evidence", ["evidence waiting 3 days (3 pieces)"]),
        ("one evidence", ["evidence waiting"]),
        ("scan", ["scan waiting for validation"]),
        ("draft scan and changes requested", []),  # the apprentice's move, not the employer's
    ],
)
def test_needs_attention_python_and_sql_agree(acme, standard, case, reasons):
    apprenticeship = _calm(acme, standard)
    _make(case, apprenticeship)
    row = dashboard_row(apprenticeship)
    python = attention_reasons(
        behind=row.behind,
        review_overdue=row.review_overdue,
        evidence_waiting=row.evidence_waiting,
        scan_waiting=row.scan_waiting,
        evidence_days=row.evidence_days,
    )
    assert python == reasons == row.attention
    assert row.needs_attention is bool(reasons)


@pytest.mark.parametrize(
    ("weeks", "days_in", "overdue"),
    [(4, 28, False), (4, 29, True), (20, 140, False), (20, 141, True), (12, 84, False)],
)
def test_review_overdue_on_the_organisations_interval_python_and_sql_agree(
    acme, standard, weeks, days_in, overdue
):
    """With no review held, the next is due the organisation's interval after the start: the
    stored due date (SQL side) and next_review (Python side) agree on any interval."""
    Organisation.objects.filter(pk=acme.pk).update(review_interval_weeks=weeks)
    apprenticeship = ApprenticeshipFactory(
        organisation=acme, standard=standard, start_date=date.today() - timedelta(days=days_in)
    )
    apprenticeship = Apprenticeship.objects.select_related("organisation").get(pk=apprenticeship.pk)
    row = dashboard_row(apprenticeship)
    python = next_review(apprenticeship, None)
    assert row.review_overdue is python.overdue is overdue
    assert row.review_days == python.days == weeks * 7 - days_in
    assert ("review overdue" in row.attention) is overdue
    assert tally_check() == []


# --- gateway --------------------------------------------------------------------------------------


def _ready(apprenticeship, mentor):
    EvidenceFactory(
        apprenticeship=apprenticeship,
        status="accepted",
        ksbs=list(apprenticeship.standard.ksbs.all()),
        off_the_job_hours=Decimal(24),
    )
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(otj_target_hours=24)
    apprenticeship.refresh_from_db()
    for duty in apprenticeship.standard.duties.all():
        DutySignOff.objects.create(apprenticeship=apprenticeship, duty=duty, action="signed_off")
    make_scan(apprenticeship, status="validated")
    now = timezone.now()
    ProgressReviewFactory(
        apprenticeship=apprenticeship,
        employer_signed_at=now,
        apprentice_signed_at=now,
        employer_signed_by=mentor,
        next_due_on=date.today() + timedelta(days=20),
    )


def _spoil(line, apprenticeship, mentor):
    """Make exactly one line of the checklist fail."""
    if line == 0:
        apprenticeship.evidence.get().ksbs.remove(apprenticeship.standard.ksbs.last())
    elif line == 1:
        duty = apprenticeship.standard.duties.last()
        DutySignOff.objects.create(apprenticeship=apprenticeship, duty=duty, action="undone")
    elif line == 2:
        apprenticeship.evidence.update(off_the_job_hours=Decimal("23.99"))
    elif line == 3:
        make_scan(apprenticeship, stage="review", status="submitted")
    elif line == 4:
        apprenticeship.reviews.update(next_due_on=date.today() - timedelta(days=1))
    elif line == 5:
        apprenticeship.reviews.update(apprentice_signed_at=None)
    tally_refresh([apprenticeship.pk])  # queryset.update() sends no signal


@pytest.mark.parametrize(
    ("spoiled", "failing"),
    [(None, None), (0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 4)],
)
def test_gateway_python_and_sql_agree(apprenticeship, mentor, spoiled, failing):
    _ready(apprenticeship, mentor)
    if spoiled is not None:
        _spoil(spoiled, apprenticeship, mentor)
    gateway = gateway_for(apprenticeship)
    done = [check.done for check in gateway.checks]
    assert done == [index != failing for index in range(5)]
    assert [check.label for check in gateway.checks] == list(GATEWAY_LINES)
    row = dashboard_row(apprenticeship)
    assert row.ready_for_gateway is gateway.ready is (failing is None)
    assert gateway_guard(apprenticeship) == (
        [] if failing is None else [f"“{GATEWAY_LINES[failing]}” does not hold"]
    )


def test_a_draft_scan_started_after_a_validated_one_keeps_the_gateway_line(apprenticeship, mentor):
    _ready(apprenticeship, mentor)
    make_scan(apprenticeship, stage="review", scores={})
    assert gateway_for(apprenticeship).ready
    row = dashboard_row(apprenticeship)
    assert row.ready_for_gateway


def test_gateway_lines_side_by_side(side_by_side):
    mine = gateway_for(side_by_side.mine)
    assert [(c.done, c.detail) for c in mine.checks] == [
        (False, "3 of 9 KSBs; missing K3, K4, S2, S3, B1, B2"),
        (False, "1 of 4 duties signed off"),
        (False, "8.25 of 100 hours accepted"),
        (False, "The review scan is awaiting validation"),
        (False, "Not signed by both yet"),
    ]
    theirs = gateway_for(side_by_side.theirs)
    assert [(c.done, c.detail) for c in theirs.checks] == [
        (False, "5 of 9 KSBs; missing K2, K4, S1, B2"),
        (False, "1 of 4 duties signed off"),
        (False, "30.50 of 100 hours accepted"),
        (False, "The initial scan is awaiting validation"),
        (False, "No review yet"),
    ]


def test_dashboard_rows_work_out_the_same_verdicts_as_the_sql(side_by_side, mentor, acme, standard):
    """Rows derive their verdicts from their figures in Python; filters and counts use SQL
    (dashboard_rows checks that both agree)."""
    ready = ApprenticeshipFactory(organisation=acme, standard=standard, mentor=mentor)
    _ready(ready, mentor)
    calm = _calm(acme, standard)
    by_pk = dashboard_rows([side_by_side.mine, side_by_side.theirs, ready, calm])
    rows = [by_pk[a.pk] for a in (side_by_side.mine, side_by_side.theirs, ready, calm)]
    assert [row.coverage for row in rows] == [33, 56, 100, 0]
    assert [row.ready_for_gateway for row in rows] == [False, False, True, False]
    assert [bool(row.attention) for row in rows] == [True, True, False, False]


@pytest.mark.parametrize(
    ("reviews", "ready"),
    [
        # (days ago held, signed by the employer, signed by the apprentice) per review, in the
        # order they are recorded
        ([(40, False, False), (10, True, True)], True),  # the latest, held last, is signed
        ([(10, True, True), (40, False, False)], True),  # recorded the other way round
        ([(40, True, True), (10, False, False)], False),  # an older signed one does not count
        ([(10, True, True), (10, False, False)], False),  # held the same day: recorded last
        ([(10, False, False), (10, True, True)], True),
        ([(10, True, False)], False),  # the employer alone
        ([(10, False, True)], False),  # the apprentice alone (imported data, say)
        ([], False),  # no review yet, even before the first is due
    ],
)
def test_the_latest_review_decides_the_gateway_line(acme, standard, mentor, reviews, ready):
    apprenticeship = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        mentor=mentor,
        start_date=date.today() - timedelta(days=50),
        planned_end_date=date.today() + timedelta(days=315),
    )
    _ready(apprenticeship, mentor)
    apprenticeship.reviews.all().delete()
    now = timezone.now()
    for days_ago, employer, apprentice in reviews:
        ProgressReviewFactory(
            apprenticeship=apprenticeship,
            held_on=date.today() - timedelta(days=days_ago),
            next_due_on=date.today() + timedelta(days=30),
            employer_signed_at=now if employer else None,
            apprentice_signed_at=now if apprentice else None,
        )
    assert gateway_for(apprenticeship).ready is ready
    row = dashboard_row(apprenticeship)
    assert row.ready_for_gateway is ready
    assert row.latest_review_signed is ready


def test_each_gateway_line_says_what_is_missing_and_where(apprenticeship, mentor):
    pk = apprenticeship.pk
    gateway = gateway_for(apprenticeship)
    assert [(c.detail, c.url) for c in gateway.checks] == [
        ("0 of 9 KSBs; missing K1, K2, K3, K4, S1, S2, S3, B1…", f"/apprenticeships/{pk}/duties/"),
        ("0 of 3 duties signed off", f"/apprenticeships/{pk}/duties/"),
        (
            f"0.00 of {apprenticeship.otj_target_hours} hours accepted",
            f"/apprenticeships/{pk}/hours/",
        ),
        ("No scan submitted yet", f"/apprenticeships/{pk}/"),
        ("No review yet", f"/apprenticeships/{pk}/reviews/"),
    ]
    _ready(apprenticeship, mentor)
    gateway = gateway_for(apprenticeship)
    scan = apprenticeship.scans.get()
    assert [c.detail for c in gateway.checks] == [
        "9 of 9 KSBs",
        "3 of 3 duties signed off",
        "24.00 of 24 hours accepted",
        "The initial scan is validated",
        "Next review due in 20 days",
    ]
    assert gateway.checks[3].url == scan.get_absolute_url()
    assert gateway.done_count == 5 and gateway.missing == []


@pytest.mark.parametrize(
    ("ksbs", "detail"), [(8, "missing K1, K2, K3, K4, K5, K6, K7, K8"), (9, "…")]
)
def test_at_most_eight_missing_ksbs_are_named(acme, ksbs, detail):
    from tests.factories import make_standard

    standard = make_standard(knowledge=ksbs, skills=0, behaviours=0, duties=1)
    apprenticeship = ApprenticeshipFactory(organisation=acme, standard=standard)
    line = gateway_for(apprenticeship).checks[0].detail
    assert line.endswith(detail)
    assert line.count(",") == 7
