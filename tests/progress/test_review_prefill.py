"""Pre-filling a progress review from the record (progress.review_prefill): what changed since
the last review, on hand-built cases with their boundaries, the page that keeps it, and its
query count."""

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import role_of
from progress.review_prefill import LIST_LIMIT, prefill_for, previous_review_date
from skillscan.models import Rating, RatingChange
from standards.selectors import standard_structure
from tracker.models import DutySignOff, Evidence, EvidenceFeedback, TimesheetEntry
from tracker.rules import expected_tenths, hours_summary
from tracker.services import reviews as review_services

from ..factories import (
    ApprenticeshipFactory,
    DutyFactory,
    EvidenceFactory,
    KSBFactory,
    ProgressReviewFactory,
    StandardFactory,
    make_scan,
)

pytestmark = pytest.mark.django_db

TODAY = date.today()
SINCE = TODAY - timedelta(days=30)  # the day of the last review


def at(day, hour=12, minute=0):
    """An aware time on ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def accepted(apprenticeship, on, accepted_at, ksbs=(), hours="2.5", **fields):
    """Evidence dated ``on`` and accepted at ``accepted_at`` (its decision kept as a record)."""
    evidence = EvidenceFactory(
        apprenticeship=apprenticeship,
        occurred_on=on,
        status=Evidence.Status.ACCEPTED,
        off_the_job_hours=Decimal(hours),
        ksbs=list(ksbs),
        **fields,
    )
    feedback = EvidenceFeedback.objects.create(
        evidence=evidence, decision=EvidenceFeedback.Decision.ACCEPTED
    )
    EvidenceFeedback.objects.filter(pk=feedback.pk).update(created_at=accepted_at)
    return evidence


def ksbs_of(apprenticeship):
    """Its KSBs in code order (K, S, B), as the pages list them."""
    return list(standard_structure(apprenticeship.standard).ksbs)


# --- hours ----------------------------------------------------------------------------------


def test_hours_dated_on_the_day_of_the_last_review_belong_to_that_review(apprenticeship):
    accepted(apprenticeship, SINCE, at(SINCE), hours="1")
    accepted(apprenticeship, SINCE + timedelta(days=1), at(SINCE + timedelta(days=2)), hours="2")
    accepted(apprenticeship, TODAY, at(TODAY), hours="4")
    EvidenceFactory(
        apprenticeship=apprenticeship,
        occurred_on=SINCE + timedelta(days=1),
        status=Evidence.Status.SUBMITTED,
        off_the_job_hours=Decimal("0.25"),
    )
    EvidenceFactory(
        apprenticeship=apprenticeship,
        occurred_on=SINCE + timedelta(days=3),
        status=Evidence.Status.CHANGES_REQUESTED,
        off_the_job_hours=Decimal("0.5"),
    )
    EvidenceFactory(  # a draft is not logged yet
        apprenticeship=apprenticeship, occurred_on=TODAY, off_the_job_hours=Decimal("8")
    )

    hours = prefill_for(apprenticeship, SINCE)["hours"]

    assert hours["logged"] == "6.75"  # 2 + 4 accepted, 0.25 waiting, 0.5 sent back
    assert hours["accepted"] == "6.00"
    assert hours["waiting"] == "0.25"
    assert hours["total_accepted"] == "7.00"  # the day-of-review hour counts to date
    a = apprenticeship
    line = expected_tenths(a.otj_target_hours, a.start_date, a.planned_end_date, TODAY)
    then = expected_tenths(a.otj_target_hours, a.start_date, a.planned_end_date, SINCE)
    assert hours["expected"] == f"{Decimal(line - then) / 10:.2f}"
    assert hours["total_expected"] == f"{Decimal(line) / 10:.1f}"
    assert hours["on_track"] is False
    assert hours["percent"]["expected"] == 100  # the longest bar


def test_timesheet_lines_count_as_on_the_hours_page(apprenticeship):
    """Accepted and waiting timesheet lines are hours like evidence's: the pre-fill's total to
    date is the hours page's (hours_summary), whatever the record holds."""
    accepted(apprenticeship, SINCE + timedelta(days=1), at(SINCE + timedelta(days=1)), hours="2")
    line = TimesheetEntry.objects.create
    who = apprenticeship.apprentice
    line(
        apprenticeship=apprenticeship,
        on=SINCE + timedelta(days=2),
        hours=3,
        status="accepted",
        by=who,
    )
    line(
        apprenticeship=apprenticeship,
        on=SINCE - timedelta(days=2),
        hours=5,
        status="accepted",
        by=who,
    )
    line(apprenticeship=apprenticeship, on=TODAY, hours="0.5", status="submitted", by=who)
    for status in ("returned", "withdrawn"):  # neither counts
        line(apprenticeship=apprenticeship, on=TODAY, hours=7, status=status, by=who)

    hours = prefill_for(apprenticeship, SINCE)["hours"]

    assert hours["logged"] == "5.50"  # 2 evidence + 3 accepted line + 0.5 waiting line
    assert hours["accepted"] == "5.00"
    assert hours["waiting"] == "0.50"
    assert hours["total_accepted"] == "10.00" == f"{hours_summary(apprenticeship).accepted:.2f}"


def test_hours_after_today_do_not_count(apprenticeship):
    accepted(apprenticeship, TODAY, at(TODAY), hours="3")
    hours = prefill_for(apprenticeship, SINCE, today=TODAY - timedelta(days=1))["hours"]
    assert hours["logged"] == hours["accepted"] == "0.00"


def test_no_previous_review_counts_from_the_start_day_included(apprenticeship):
    start = apprenticeship.start_date
    accepted(apprenticeship, start, at(start), ksbs=ksbs_of(apprenticeship)[:1], hours="1.5")

    snapshot = prefill_for(apprenticeship, None)

    assert snapshot["since"] == start.isoformat()
    assert snapshot["first_day"] == start.isoformat()
    assert snapshot["since_review"] is False
    assert snapshot["hours"]["logged"] == "1.50"
    assert snapshot["coverage"]["before"] == 0
    assert snapshot["coverage"]["after"] == 1
    assert snapshot["evidence"]["accepted"]["count"] == 1


# --- evidence and coverage ------------------------------------------------------------------


def test_evidence_accepted_on_the_day_of_the_last_review_belongs_to_that_review(apprenticeship):
    k1, k2, k3 = ksbs_of(apprenticeship)[:3]
    late = accepted(apprenticeship, SINCE, at(SINCE, 23, 59), ksbs=[k1], title="Late that day")
    first = accepted(
        apprenticeship, SINCE, at(SINCE + timedelta(days=1), 0, 0), ksbs=[k2], title="Next day"
    )
    # Accepted again after the review for a KSB evidenced before: not newly evidenced.
    accepted(apprenticeship, SINCE, at(TODAY), ksbs=[k1, k3], title="Today")
    waiting = EvidenceFactory(
        apprenticeship=apprenticeship, status=Evidence.Status.SUBMITTED, ksbs=[k2]
    )

    snapshot = prefill_for(apprenticeship, SINCE)

    listed = snapshot["evidence"]["accepted"]
    assert [item["title"] for item in listed["items"]] == ["Next day", "Today"]
    assert late.pk not in {item["id"] for item in listed["items"]}
    assert listed["items"][0] == {
        "id": first.pk,
        "title": "Next day",
        "occurred_on": SINCE.isoformat(),
        "hours": "2.50",
        "ksbs": [k2.code],
        "accepted_on": (SINCE + timedelta(days=1)).isoformat(),
    }
    assert listed["count"] == 2
    assert listed["hours"] == "5.00"
    coverage = snapshot["coverage"]
    assert (coverage["before"], coverage["after"], coverage["total"]) == (1, 3, 9)
    assert coverage["new"] == [k2.code, k3.code]
    assert coverage["before_percent"] == 11
    assert coverage["after_percent"] == 33
    assert [item["id"] for item in snapshot["evidence"]["waiting"]["items"]] == [waiting.pk]
    assert snapshot["evidence"]["waiting"]["items"][0]["ksbs"] == [k2.code]


def test_evidence_accepted_before_decisions_were_kept_reads_its_last_change(apprenticeship):
    evidence = EvidenceFactory(
        apprenticeship=apprenticeship, status=Evidence.Status.ACCEPTED, ksbs=ksbs_of(apprenticeship)
    )
    Evidence.objects.filter(pk=evidence.pk).update(updated_at=at(SINCE - timedelta(days=3)))
    snapshot = prefill_for(apprenticeship, SINCE)
    assert snapshot["evidence"]["accepted"]["count"] == 0
    assert snapshot["coverage"]["before"] == snapshot["coverage"]["after"] == 9


def test_the_lists_keep_their_first_pieces_and_the_whole_count(apprenticeship):
    for n in range(LIST_LIMIT + 2):
        accepted(apprenticeship, TODAY, at(TODAY, 9, n % 60), hours="0.5")
    listed = prefill_for(apprenticeship, SINCE)["evidence"]["accepted"]
    assert listed["count"] == LIST_LIMIT + 2
    assert len(listed["items"]) == LIST_LIMIT
    assert listed["hours"] == f"{Decimal('0.5') * (LIST_LIMIT + 2):.2f}"


def test_another_apprenticeships_record_does_not_count(apprenticeship, other_apprenticeship):
    accepted(other_apprenticeship, TODAY, at(TODAY), ksbs=ksbs_of(other_apprenticeship))
    make_scan(other_apprenticeship, status="submitted")
    snapshot = prefill_for(apprenticeship, SINCE)
    assert snapshot["evidence"]["accepted"]["count"] == 0
    assert snapshot["coverage"]["after"] == 0
    assert snapshot["scan"]["duties"] == []


# --- duties -----------------------------------------------------------------------------------


def sign(apprenticeship, duty, action, when):
    return DutySignOff.objects.create(
        apprenticeship=apprenticeship, duty=duty, action=action, at=when
    )


def test_duty_signed_off_then_undone_shows_both_events_and_no_change(apprenticeship, mentor):
    d1, d2, d3 = apprenticeship.standard.duties.order_by("number")
    SIGNED, UNDONE = DutySignOff.Action.SIGNED_OFF, DutySignOff.Action.UNDONE
    sign(apprenticeship, d1, SIGNED, at(SINCE, 23, 59))  # on the review's day: before
    sign(apprenticeship, d2, SIGNED, at(SINCE + timedelta(days=1), 0, 0))
    undo = sign(apprenticeship, d2, UNDONE, at(SINCE + timedelta(days=2)))
    DutySignOff.objects.filter(pk=undo.pk).update(by=mentor)
    sign(apprenticeship, d3, SIGNED, at(TODAY))

    duties = prefill_for(apprenticeship, SINCE)["duties"]

    assert (duties["signed_before"], duties["signed_after"], duties["total"]) == (1, 2, 3)
    by_number = {row["number"]: row for row in duties["changes"]}
    assert set(by_number) == {2, 3}
    assert by_number[2]["change"] == "signed off, then undone"
    assert (by_number[2]["before"], by_number[2]["after"]) == (False, False)
    assert by_number[2]["events"] == [
        {"action": "Signed off", "on": (SINCE + timedelta(days=1)).isoformat(), "by": ""},
        {
            "action": "Sign-off undone",
            "on": (SINCE + timedelta(days=2)).isoformat(),
            "by": mentor.full_name,
        },
    ]
    assert by_number[3]["change"] == "signed off"


def test_duty_undone_then_signed_off_again(apprenticeship):
    d1 = apprenticeship.standard.duties.get(number=1)
    SIGNED, UNDONE = DutySignOff.Action.SIGNED_OFF, DutySignOff.Action.UNDONE
    sign(apprenticeship, d1, SIGNED, at(SINCE - timedelta(days=5)))
    sign(apprenticeship, d1, UNDONE, at(SINCE + timedelta(days=3)))
    duties = prefill_for(apprenticeship, SINCE)["duties"]
    assert duties["changes"][0]["change"] == "undone"
    sign(apprenticeship, d1, SIGNED, at(SINCE + timedelta(days=4)))
    duties = prefill_for(apprenticeship, SINCE)["duties"]
    assert duties["changes"][0]["change"] == "signed off again"
    assert (duties["signed_before"], duties["signed_after"]) == (1, 1)


# --- scans ------------------------------------------------------------------------------------


@pytest.fixture
def two_duties(apprentice, acme):
    """A standard whose two duties draw on different KSBs: duty 1 on K1 and K2, duty 2 on S1."""
    standard = StandardFactory()
    k1, k2 = (KSBFactory(standard=standard, kind="K", number=n) for n in (1, 2))
    s1 = KSBFactory(standard=standard, kind="S", number=1)
    DutyFactory(standard=standard, number=1, ksbs=[k1, k2])
    DutyFactory(standard=standard, number=2, ksbs=[s1])
    return ApprenticeshipFactory(apprentice=apprentice, standard=standard, organisation=acme)


def test_scan_re_rated_since_the_review_changes_its_duty(two_duties, mentor):
    scan = make_scan(
        two_duties,
        status="validated",
        scores={"K1": 1, "K2": 2, "S1": 3},
        submitted_at=at(SINCE - timedelta(days=10)),
    )
    rating = Rating.objects.get(scan=scan, ksb__kind="S")
    Rating.objects.filter(pk=rating.pk).update(employer_score=1)
    change = RatingChange.objects.create(
        rating=rating, field="employer_score", old_value="", new_value="1", changed_by=mentor
    )
    RatingChange.objects.filter(pk=change.pk).update(changed_at=at(SINCE + timedelta(days=1)))

    scan_part = prefill_for(two_duties, SINCE)["scan"]

    assert scan_part["same_scan"] is True
    assert scan_part["duties"] == [
        {
            "number": 1,
            "description": scan_part["duties"][0]["description"],
            "before": "1.5",
            "after": "1.5",
            "change": "+0.0",
            "direction": "no change",
        },
        {
            "number": 2,
            "description": scan_part["duties"][1]["description"],
            "before": "3.0",
            "after": "1.0",
            "change": "-2.0",
            "direction": "down",
        },
    ]


def test_re_rating_on_the_day_of_the_review_was_known_then(two_duties, mentor):
    scan = make_scan(
        two_duties,
        status="validated",
        scores={"K1": 1, "K2": 2, "S1": 3},
        submitted_at=at(SINCE - timedelta(days=10)),
    )
    rating = Rating.objects.get(scan=scan, ksb__kind="S")
    Rating.objects.filter(pk=rating.pk).update(employer_score=4)
    change = RatingChange.objects.create(
        rating=rating, field="employer_score", old_value="", new_value="4", changed_by=mentor
    )
    RatingChange.objects.filter(pk=change.pk).update(changed_at=at(SINCE, 23, 0))
    duty2 = prefill_for(two_duties, SINCE)["scan"]["duties"][1]
    assert (duty2["before"], duty2["after"], duty2["direction"]) == ("4.0", "4.0", "no change")


def test_a_new_scan_since_the_review_compares_per_duty(two_duties):
    make_scan(
        two_duties,
        status="validated",
        scores={"K1": 1, "K2": 2, "S1": 3},
        submitted_at=at(SINCE - timedelta(days=10)),
    )
    make_scan(
        two_duties,
        stage="review",
        status="submitted",
        scores={"K1": 3, "K2": 3, "S1": 3},
        employer={"K2": 4},
        submitted_at=at(SINCE + timedelta(days=1)),
    )
    make_scan(two_duties, stage="final", status="draft", scores={"K1": 0, "K2": 0, "S1": 0})

    scan_part = prefill_for(two_duties, SINCE)["scan"]

    assert scan_part["same_scan"] is False
    assert scan_part["before"]["stage"] == "Initial"
    assert scan_part["after"]["stage"] == "Review"
    assert scan_part["after"]["submitted_on"] == (SINCE + timedelta(days=1)).isoformat()
    rows = [(r["before"], r["after"], r["change"], r["direction"]) for r in scan_part["duties"]]
    assert rows == [("1.5", "3.5", "+2.0", "up"), ("3.0", "3.0", "+0.0", "no change")]


def test_a_first_scan_since_the_review_is_first_rated(two_duties):
    make_scan(
        two_duties,
        status="submitted",
        scores={"K1": 2, "K2": 2},
        submitted_at=at(SINCE + timedelta(days=1)),
    )
    scan_part = prefill_for(two_duties, SINCE)["scan"]
    assert scan_part["before"] is None
    assert [(r["after"], r["direction"]) for r in scan_part["duties"]] == [
        ("2.0", "first rated"),
        (None, "not rated"),
    ]


# --- nothing at all ---------------------------------------------------------------------------


def test_an_apprenticeship_with_nothing(apprenticeship):
    snapshot = prefill_for(apprenticeship, None)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["hours"]["logged"] == "0.00"
    assert snapshot["hours"]["percent"]["logged"] == 0
    assert snapshot["coverage"] == {
        "total": 9,
        "before": 0,
        "after": 0,
        "before_percent": 0,
        "after_percent": 0,
        "new": [],
    }
    assert snapshot["duties"] == {"total": 3, "signed_before": 0, "signed_after": 0, "changes": []}
    assert snapshot["scan"] == {"before": None, "after": None, "same_scan": False, "duties": []}
    assert snapshot["evidence"]["accepted"] == {"count": 0, "hours": "0.00", "items": []}
    assert snapshot["evidence"]["waiting"] == {"count": 0, "hours": "0.00", "items": []}
    html = render(snapshot)
    for words in (
        "No KSB newly evidenced",
        "No duty was signed off or undone",
        "No skills scan submitted yet.",
        "No evidence accepted since",
        "No evidence waiting for review.",
    ):
        assert words in html


# --- the previous review --------------------------------------------------------------------


def test_previous_review_date_is_the_last_one_held_before(apprenticeship):
    older = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=SINCE - timedelta(days=90))
    last = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=SINCE)
    this = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=TODAY)
    ProgressReviewFactory(held_on=TODAY - timedelta(days=1))  # another apprenticeship's
    assert previous_review_date(this) == last.held_on
    assert previous_review_date(last) == older.held_on
    assert previous_review_date(older) is None


def test_a_review_not_held_yet_follows_the_last_one_held(apprenticeship):
    last = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=SINCE)
    planned = ProgressReviewFactory(
        apprenticeship=apprenticeship,
        held_on=None,
        next_due_on=None,
        scheduled_for=at(TODAY + timedelta(days=3)),
    )
    ProgressReviewFactory(  # another planned one is not a review held
        apprenticeship=apprenticeship,
        held_on=None,
        next_due_on=None,
        scheduled_for=at(TODAY - timedelta(days=3)),
    )
    assert previous_review_date(planned) == last.held_on


# --- the snapshot as a page shows it --------------------------------------------------------


def render(prefill, **context):
    template = engines["jinja2"].get_template("progress/includes/review_prefill.html")
    return template.render({"prefill": prefill, **context})


def test_the_include_shows_changes_in_words_and_escapes_titles(two_duties):
    make_scan(
        two_duties,
        status="validated",
        scores={"K1": 1, "K2": 2, "S1": 3},
        submitted_at=at(SINCE - timedelta(days=10)),
    )
    make_scan(
        two_duties,
        stage="review",
        status="submitted",
        scores={"K1": 3, "K2": 3, "S1": 1},
        submitted_at=at(SINCE + timedelta(days=1)),
    )
    accepted(two_duties, TODAY, at(TODAY), title="<b>Pipeline</b>")
    html = render(prefill_for(two_duties, SINCE))
    assert f"What changed since {SINCE.day} {SINCE:%B %Y}" in html
    assert "<caption>Off-the-job hours dated from" in html
    assert "Up 1.5" in html and "Down 2.0" in html
    assert "&lt;b&gt;Pipeline&lt;/b&gt;" in html
    assert "<b>Pipeline</b>" not in html


def test_the_include_without_a_snapshot_says_so():
    assert "Not pre-filled yet" in render(None)


def test_the_button_shows_to_who_records_reviews_until_it_is_signed(
    mentor, apprentice, apprenticeship
):
    review = ProgressReviewFactory(apprenticeship=apprenticeship)
    button = f'action="{prefill_url(review)}"'
    assert button in render(None, review=review, role=role_of(mentor, apprenticeship))
    assert button not in render(None, review=review, role=role_of(apprentice, apprenticeship))
    review.employer_signed_at = timezone.now()
    assert button not in render(None, review=review, role=role_of(mentor, apprenticeship))


# --- queries ----------------------------------------------------------------------------------


def busy_record(apprenticeship, other, n):
    ksbs = ksbs_of(apprenticeship)
    duties = list(apprenticeship.standard.duties.all())
    for i in range(n):
        accepted(apprenticeship, TODAY - timedelta(days=i), at(TODAY), ksbs=ksbs[: i % 9 + 1])
        accepted(other, TODAY, at(TODAY), ksbs=ksbs)
        EvidenceFactory(apprenticeship=apprenticeship, status=Evidence.Status.SUBMITTED, ksbs=ksbs)
        sign(apprenticeship, duties[i % 3], DutySignOff.Action.SIGNED_OFF, at(TODAY))
    make_scan(apprenticeship, status="validated", submitted_at=at(SINCE - timedelta(days=3)))
    make_scan(apprenticeship, stage="review", status="submitted")


@pytest.mark.parametrize("n", [1, 12])
def test_prefill_for_takes_a_constant_number_of_queries(
    apprenticeship, other_apprenticeship, django_assert_num_queries, n
):
    busy_record(apprenticeship, other_apprenticeship, n)
    for _ in range(n):
        ApprenticeshipFactory(standard=apprenticeship.standard)
    prefill_for(apprenticeship, SINCE)  # the standard's structure is kept per process
    with django_assert_num_queries(10):
        prefill_for(apprenticeship, SINCE)


# --- the page that keeps it -----------------------------------------------------------------

needs_service = pytest.mark.skipif(
    not hasattr(review_services, "progress_review_prefill"),
    reason="tracker.services.reviews.progress_review_prefill is not there yet",
)


def prefill_url(review):
    return reverse("progress:review-prefill", kwargs={"pk": review.pk})


@needs_service
def test_the_employer_pre_fills_a_review(client, mentor, apprenticeship):
    ProgressReviewFactory(apprenticeship=apprenticeship, held_on=SINCE)
    review = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=TODAY)
    accepted(apprenticeship, TODAY, at(TODAY), ksbs=ksbs_of(apprenticeship)[:2])
    client.force_login(mentor)
    response = client.post(prefill_url(review), follow=True)
    assert response.redirect_chain[-1][0] == review.get_absolute_url()
    review.refresh_from_db()
    assert review.prefill["since"] == SINCE.isoformat()
    assert review.prefill["coverage"]["after"] == 2
    assert f"since the review of {SINCE.day} {SINCE:%B %Y}" in next(
        str(m) for m in response.context["messages"]
    )


@needs_service
def test_a_signed_review_keeps_its_figures(client, mentor, apprenticeship):
    review = ProgressReviewFactory(
        apprenticeship=apprenticeship, held_on=TODAY, apprentice_signed_at=timezone.now()
    )
    client.force_login(mentor)
    response = client.post(prefill_url(review), follow=True)
    assert response.redirect_chain[-1][0] == review.get_absolute_url()
    review.refresh_from_db()
    assert review.prefill is None
    assert "signed" in next(str(m) for m in response.context["messages"])


@needs_service
def test_pre_filling_again_replaces_the_figures_until_signed(client, manager, apprenticeship):
    review = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=TODAY)
    client.force_login(manager)
    client.post(prefill_url(review))
    accepted(apprenticeship, TODAY, at(TODAY), ksbs=ksbs_of(apprenticeship)[:1])
    client.post(prefill_url(review))
    review.refresh_from_db()
    assert review.prefill["since_review"] is False
    assert review.prefill["coverage"]["after"] == 1


@needs_service
def test_the_review_page_shows_the_figures_and_the_button(
    client, mentor, apprentice, apprenticeship
):
    ProgressReviewFactory(apprenticeship=apprenticeship, held_on=SINCE)
    review = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=TODAY)
    accepted(apprenticeship, TODAY, at(TODAY), title="Pipeline <fix>")
    client.force_login(mentor)
    client.post(prefill_url(review))
    html = client.get(review.get_absolute_url()).content.decode()
    assert f"What changed since {SINCE.day} {SINCE:%B %Y}" in html
    assert "Pipeline &lt;fix&gt;" in html
    assert f'action="{prefill_url(review)}"' in html
    client.force_login(apprentice)
    html = client.get(review.get_absolute_url()).content.decode()
    assert "Pipeline &lt;fix&gt;" in html
    assert f'action="{prefill_url(review)}"' not in html


def test_someone_elses_review_is_404(client, other_manager, apprenticeship):
    review = ProgressReviewFactory(apprenticeship=apprenticeship)
    client.force_login(other_manager)
    assert client.post(prefill_url(review)).status_code == 404


def test_the_apprentice_may_not_pre_fill(client, apprentice, apprenticeship):
    review = ProgressReviewFactory(apprenticeship=apprenticeship)
    client.force_login(apprentice)
    assert client.post(prefill_url(review)).status_code == 403


def test_pre_filling_is_post_only_and_needs_a_login(client, mentor, apprenticeship):
    review = ProgressReviewFactory(apprenticeship=apprenticeship)
    response = client.post(prefill_url(review))
    assert response.status_code == 302 and "login" in response.url
    client.force_login(mentor)
    assert client.get(prefill_url(review)).status_code == 405


def test_a_review_that_does_not_exist_is_404(client, mentor):
    client.force_login(mentor)
    url = reverse("progress:review-prefill", kwargs={"pk": 999999})
    assert client.post(url).status_code == 404
