from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from progress.tally import tally_refresh
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    ProgressReviewFactory,
    make_standard,
)
from tracker.models import DutySignOff, ProgressReview
from tracker.selectors import duty_rows_from_database

pytestmark = pytest.mark.django_db


def duty_url(apprenticeship, number, name="tracker:duty-detail"):
    return reverse(name, kwargs={"pk": apprenticeship.pk, "number": number})


def statuses(apprenticeship):
    return [row.status for row in duty_rows_from_database(apprenticeship)]


def all_evidenced(apprenticeship):
    """Accepted evidence for every KSB: a sign-off then needs only a note (issue 12)."""
    EvidenceFactory(
        apprenticeship=apprenticeship,
        status="accepted",
        ksbs=list(apprenticeship.standard.ksbs.all()),
    )


def test_a_new_apprenticeship_has_every_duty_not_started_and_nothing_stored(apprenticeship):
    assert statuses(apprenticeship) == ["not_started"] * 3
    assert not DutySignOff.objects.exists()


def test_reading_duty_pages_writes_nothing(
    as_apprentice, apprenticeship, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in (
        reverse("tracker:duty-list", kwargs={"pk": apprenticeship.pk}),
        duty_url(apprenticeship, 1),
        apprenticeship.get_absolute_url(),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert as_apprentice.get(url).status_code == 200
        writes = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "django_session" not in q["sql"]
        ]
        assert not writes, (url, writes)


# --- sign-off -------------------------------------------------------------------------------------


def test_mentor_signs_off_a_duty_with_a_note_after_confirming(as_mentor, apprenticeship, mentor):
    all_evidenced(apprenticeship)
    url = duty_url(apprenticeship, 1, "tracker:duty-sign-off")
    page = as_mentor.get(url).content.decode()
    assert "Sign off duty 1 for Alex Apprentice?" in page
    response = as_mentor.post(url, {"note": ""})
    assert "Add a note" in response.content.decode()
    assert statuses(apprenticeship)[0] == "evidenced"  # every KSB accepted, not signed off
    response = as_mentor.post(url, {"note": "Seen running the release train."}, follow=True)
    assert "Duty 1 signed off." in response.content.decode()
    sign_off = DutySignOff.objects.get()
    assert (sign_off.action, sign_off.by, sign_off.note, sign_off.duty.number) == (
        "signed_off",
        mentor,
        "Seen running the release train.",
        1,
    )
    assert sign_off.at
    assert statuses(apprenticeship)[0] == "signed_off"
    html = as_mentor.get(duty_url(apprenticeship, 1)).content.decode()
    assert "Signed off" in html and "Seen running the release train." in html


def test_undoing_a_sign_off_needs_a_reason_and_is_kept(as_mentor, apprenticeship, mentor):
    all_evidenced(apprenticeship)
    as_mentor.post(duty_url(apprenticeship, 2, "tracker:duty-sign-off"), {"note": "Done"})
    url = duty_url(apprenticeship, 2, "tracker:duty-sign-off-undo")
    assert "It was signed off by Mina Mentor" in as_mentor.get(url).content.decode()
    response = as_mentor.post(url, {"reason": "  "})
    assert "Say why the sign-off is being undone." in response.content.decode()
    as_mentor.post(url, {"reason": "Signed off the wrong duty."})
    assert statuses(apprenticeship)[1] == "evidenced"
    events = [(e.action, e.note, e.by) for e in DutySignOff.objects.order_by("pk")]
    assert events == [
        ("signed_off", "Done", mentor),
        ("undone", "Signed off the wrong duty.", mentor),
    ]
    html = as_mentor.get(duty_url(apprenticeship, 2)).content.decode()
    assert "Sign-off undone" in html and "Signed off the wrong duty." in html


def test_only_supervisors_sign_off(client, apprenticeship, apprentice, other_manager):
    url = duty_url(apprenticeship, 1, "tracker:duty-sign-off")
    client.force_login(apprentice)
    assert client.post(url, {"note": "Me"}).status_code == 403
    client.force_login(other_manager)
    assert client.post(url, {"note": "Me"}).status_code == 404
    assert not DutySignOff.objects.exists()


def test_signing_off_twice_says_so_and_nothing_else(as_mentor, apprenticeship):
    all_evidenced(apprenticeship)
    url = duty_url(apprenticeship, 1, "tracker:duty-sign-off")
    as_mentor.post(url, {"note": "Once"}, follow=True)
    for response in (
        as_mentor.get(url, follow=True),
        as_mentor.post(url, {"note": "Twice"}, follow=True),
    ):
        html = response.content.decode()
        assert "Duty 1 is already signed off." in html
        assert "Duty 1 signed off." not in html
    response = as_mentor.post(
        duty_url(apprenticeship, 2, "tracker:duty-sign-off-undo"), {"reason": "x"}, follow=True
    )
    html = response.content.decode()
    assert "Duty 2 is not signed off." in html and "is undone" not in html
    assert DutySignOff.objects.count() == 1


def test_a_sign_off_refused_by_the_service_shows_only_the_error(as_mentor, apprenticeship, mentor):
    """Two tabs: the second confirms a sign-off the first has already made."""
    all_evidenced(apprenticeship)
    from tracker.services import duty_sign_off

    url = duty_url(apprenticeship, 1, "tracker:duty-sign-off")
    assert as_mentor.get(url).status_code == 200
    duty_sign_off(
        apprenticeship=apprenticeship,
        duty=apprenticeship.standard.duties.get(number=1),
        user=mentor,
        note="First tab",
    )
    html = as_mentor.post(url, {"note": "Second tab"}, follow=True).content.decode()
    assert "already signed off" in html and "Duty 1 signed off." not in html
    assert DutySignOff.objects.count() == 1


def test_a_duty_of_another_standard_cannot_be_signed_off(apprenticeship, mentor):
    from tracker.services import TrackerError, duty_sign_off

    other = make_standard(duties=1).duties.get()
    with pytest.raises(TrackerError):
        duty_sign_off(apprenticeship=apprenticeship, duty=other, user=mentor, note="x")
    assert not DutySignOff.objects.exists()


def test_duty_page_lists_each_ksb_with_its_evidence_and_what_is_missing(
    as_apprentice, apprenticeship
):
    duty = apprenticeship.standard.duties.get(number=1)
    ksbs = list(duty.ksbs.all())
    EvidenceFactory(
        apprenticeship=apprenticeship, title="Accepted work", status="accepted", ksbs=ksbs[:2]
    )
    EvidenceFactory(
        apprenticeship=apprenticeship, title="Private draft", status="draft", ksbs=ksbs[2:3]
    )
    response = as_apprentice.get(duty_url(apprenticeship, 1))
    html = response.content.decode()
    assert "Accepted work" in html and "Private draft" not in html
    assert [k.code for k in response.context["page"].missing] == [k.code for k in ksbs[2:]]
    assert f"2 of {len(ksbs)} KSBs evidenced" in html
    assert as_apprentice.get(duty_url(apprenticeship, 99)).status_code == 404


# --- hours ---------------------------------------------------------------------------------------


def test_hours_page_shows_accepted_waiting_target_and_expected(as_apprentice, apprenticeship):
    apprenticeship.start_date = date.today() - timedelta(days=365)
    apprenticeship.planned_end_date = date.today() + timedelta(days=365)
    apprenticeship.otj_target_hours = 600
    apprenticeship.save()
    for _ in range(10):
        EvidenceFactory(
            apprenticeship=apprenticeship, status="accepted", off_the_job_hours=Decimal(20)
        )
    EvidenceFactory(
        apprenticeship=apprenticeship, status="submitted", off_the_job_hours=Decimal(20)
    )
    EvidenceFactory(apprenticeship=apprenticeship, status="draft", off_the_job_hours=Decimal(24))
    response = as_apprentice.get(reverse("tracker:hours", kwargs={"pk": apprenticeship.pk}))
    hours = response.context["hours"]
    assert (hours.accepted, hours.pending, hours.target) == (Decimal(200), Decimal(20), 600)
    assert hours.expected == Decimal("300.0")
    html = response.content.decode()
    assert "Behind" in html and "200 of 600 hours" in html
    assert "<svg" in html and "The numbers, week by week" in html


def test_on_track_is_said_in_words(as_apprentice, apprenticeship):
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", off_the_job_hours=Decimal(24))
    apprenticeship.otj_target_hours = 10
    apprenticeship.save()
    html = as_apprentice.get(
        reverse("tracker:hours", kwargs={"pk": apprenticeship.pk})
    ).content.decode()
    assert "On track" in html


def test_hours_out_of_range_are_refused_by_the_database(apprenticeship):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceFactory(apprenticeship=apprenticeship, off_the_job_hours=Decimal(25))


# --- progress reviews ----------------------------------------------------------------------------


def test_mentor_records_a_review_with_the_next_date_twelve_weeks_later(as_mentor, apprenticeship):
    url = reverse("tracker:progress-review-create", kwargs={"pk": apprenticeship.pk})
    held = date.today() - timedelta(days=2)
    response = as_mentor.post(
        url,
        {
            "held_on": held.isoformat(),
            "next_due_on": "",
            "progress": "Good progress",
            "actions": "Book a course",
        },
    )
    review = ProgressReview.objects.get()
    assert response.url == review.get_absolute_url()
    assert review.next_due_on == held + timedelta(weeks=12)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"next_due_on": "2020-01-01"}, "next_due_on"),
        ({"held_on": (date.today() + timedelta(days=3)).isoformat()}, "held_on"),
        ({"progress": ""}, "progress"),
    ],
)
def test_review_bad_input_is_refused(as_mentor, apprenticeship, changes, field):
    data = {
        "held_on": date.today().isoformat(),
        "next_due_on": "",
        "progress": "P",
        "actions": "A",
        **changes,
    }
    response = as_mentor.post(
        reverse("tracker:progress-review-create", kwargs={"pk": apprenticeship.pk}), data
    )
    assert field in response.context["form"].errors
    assert not ProgressReview.objects.exists()


def test_next_review_is_shown_and_overdue_is_flagged(as_apprentice, apprenticeship):
    ProgressReviewFactory(
        apprenticeship=apprenticeship,
        held_on=date.today() - timedelta(days=100),
        next_due_on=date.today() - timedelta(days=16),
    )
    home = as_apprentice.get(apprenticeship.get_absolute_url()).content.decode()
    assert "overdue by 16 days" in home and "Overdue" in home
    reviews = as_apprentice.get(
        reverse("tracker:progress-review-list", kwargs={"pk": apprenticeship.pk})
    ).content.decode()
    assert "overdue by 16 days" in reviews


# --- query counts at 5 and 500 pieces of evidence ------------------------------------------------


@pytest.fixture(params=[5, 500])
def busy(request, acme, apprentice, mentor):
    standard = make_standard(knowledge=12, skills=8, behaviours=4, duties=6)
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice,
        standard=standard,
        organisation=acme,
        mentor=mentor,
        start_date=date.today() - timedelta(days=400),
        planned_end_date=date.today() + timedelta(days=330),
    )
    ksbs = list(standard.ksbs.all())
    from tracker.models import Evidence

    statuses = ["accepted", "submitted", "draft", "changes_requested"]
    evidence = Evidence.objects.bulk_create(
        Evidence(
            apprenticeship=apprenticeship,
            title=f"E{n}",
            occurred_on=date.today() - timedelta(days=n % 390),
            off_the_job_hours=Decimal(2),
            status=statuses[n % 4],
            submitted_at=timezone.now(),
            url="https://github.com/a/b/pull/1",
        )
        for n in range(request.param)
    )
    through = Evidence.ksbs.through
    through.objects.bulk_create(
        through(evidence_id=e.pk, ksb_id=ksbs[i % len(ksbs)].pk, accepted=e.status == "accepted")
        for i, e in enumerate(evidence)
    )
    tally_refresh([apprenticeship.pk])  # bulk writes send no signals: as an import would do
    for n in range(3):
        ProgressReviewFactory(
            apprenticeship=apprenticeship, held_on=date.today() - timedelta(days=300 - 84 * n)
        )
    return apprenticeship


@pytest.mark.parametrize(
    ("name", "kwargs", "who", "queries"),
    [
        # Each with the bell's unread count since issue 15.
        ("tracker:evidence-list", lambda a: {"pk": a.pk}, "apprentice", 11),  # 8 once structured
        ("progress:evidence-queue", lambda a: {}, "mentor", 8),  # 7 once counted
        ("tracker:duty-list", lambda a: {"pk": a.pk}, "apprentice", 11),  # 8 once structured
        ("tracker:duty-detail", lambda a: {"pk": a.pk, "number": 1}, "apprentice", 11),  # 8 too
        # Since issue 17 also the plan, accepted hours by week (evidence, timesheet), the
        # timesheet, time off, changes of hours, the KSBs of the form (and, with timesheet
        # lines, their KSBs and decisions: tests/tracker/test_timesheet.py). The form's KSBs
        # come from the standard's structure: three queries on a process's first page, none
        # after (12 then).
        ("tracker:hours", lambda a: {"pk": a.pk}, "apprentice", 15),
        ("tracker:progress-review-list", lambda a: {"pk": a.pk}, "apprentice", 6),
        ("progress:apprenticeship-home", lambda a: {"pk": a.pk}, "apprentice", 13),
        ("tracker:evidence-create", lambda a: {"pk": a.pk}, "apprentice", 8),
    ],
)
def test_tracker_pages_take_at_most_15_queries_whatever_the_evidence(
    client, busy, apprentice, mentor, django_assert_num_queries, name, kwargs, who, queries
):
    client.force_login(apprentice if who == "apprentice" else mentor)
    url = reverse(name, kwargs=kwargs(busy))
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    assert queries <= 15


def test_evidence_detail_queries(client, busy, apprentice, django_assert_num_queries):
    evidence = busy.evidence.first()
    client.force_login(apprentice)
    # 6 since issue 12: a KSB's standard comes with it (its link was a query per KSB); 7 since
    # issue 13: the KSBs' wording history; 8 since issue 15: the bell's unread count.
    with django_assert_num_queries(8):
        client.get(evidence.get_absolute_url())


def test_a_signed_off_duty_cannot_be_deleted_from_its_standard(apprenticeship, mentor):
    from django.db.models import ProtectedError

    duty = apprenticeship.standard.duties.get(number=1)
    DutySignOff.objects.create(apprenticeship=apprenticeship, duty=duty, action="signed_off")
    with pytest.raises(ProtectedError):
        duty.delete()


def test_home_lists_every_piece_with_changes_requested_and_the_hours_the_records_give(
    client, busy, apprentice
):
    """The home page reads its hours and whether anything waits for changes from the tally:
    what it shows is what the records say, old pieces with changes requested included."""
    from tracker.rules import hours_summary

    client.force_login(apprentice)
    page = client.get(reverse("progress:apprenticeship-home", kwargs={"pk": busy.pk}))
    asked = busy.evidence.filter(status="changes_requested")
    assert asked.exists()
    listed = page.context["changes_requested"]
    assert sorted(item.pk for item in listed) == sorted(asked.values_list("pk", flat=True))
    assert page.context["hours"] == hours_summary(busy)
    busy.evidence.filter(status="changes_requested").delete()  # one by one: signals per row
    page = client.get(reverse("progress:apprenticeship-home", kwargs={"pk": busy.pk}))
    assert page.context["changes_requested"] == []
    assert "asked for changes" not in page.content.decode()
