"""Issue 16: the progress review scheduled, written up, signed by three, locked and voided, its
PDF, its .ics and its safeguarding concerns."""

import hashlib
import io
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from accounts.models import Membership, Organisation, OutgoingEmail, Partnership
from tests.factories import MembershipFactory, OrganisationFactory, ProgressReviewFactory
from tests.factories import UserFactory as PersonFactory
from tracker.models import ProgressReview, ReviewAction, ReviewChange, ReviewSignature
from tracker.review_pdf import review_print_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(acme):
    org = OrganisationFactory(name="Northern Skills College", kind=Organisation.Kind.PROVIDER)
    Partnership.objects.create(
        employer=acme, provider=org, proposed_by=acme, accepted_at=timezone.now()
    )
    return org


@pytest.fixture
def tutor(provider):
    user = PersonFactory(full_name="Tara Tutor", email="tutor@example.com")
    MembershipFactory(user=user, organisation=provider, role=Membership.Role.TUTOR)
    return user


@pytest.fixture
def lead(provider):
    user = PersonFactory(full_name="Sam Safeguarding", email="dsl@example.com")
    MembershipFactory(user=user, organisation=provider, role=Membership.Role.MANAGER)
    provider.safeguarding_lead = user
    provider.save()
    return user


@pytest.fixture
def delivered(apprenticeship, provider, tutor):
    apprenticeship.provider = provider
    apprenticeship.tutor = tutor
    apprenticeship.save()
    return apprenticeship


@pytest.fixture
def held(delivered, mentor):
    return ProgressReviewFactory(apprenticeship=delivered, recorded_by=mentor)


def sign(client, user, review, comment=""):
    client.force_login(user)
    return client.post(
        reverse("tracker:progress-review-sign", kwargs={"pk": review.pk}),
        {"agree": "on", "comment": comment},
        follow=True,
    )


# --- scheduling and the .ics -----------------------------------------------------------------


def schedule_data(**changes):
    return {
        "scheduled_for": "2030-03-04T10:30",
        "duration_minutes": "60",
        "location": "Acme office, room 2",
        "online_link": "",
        "attendees": "Alex, Mina, Tara",
        **changes,
    }


def test_scheduling_invites_the_three_parties_with_an_ics(
    client, delivered, mentor, tutor, mailoutbox
):
    client.force_login(mentor)
    url = reverse("tracker:progress-review-schedule", kwargs={"pk": delivered.pk})
    response = client.post(url, schedule_data())
    review = ProgressReview.objects.get()
    assert response.url == review.get_absolute_url()
    assert review.stage == "scheduled" and review.held_on is None
    assert OutgoingEmail.objects.filter(kind="review_invitation").count() == 3
    assert {m.to[0] for m in mailoutbox} == {
        "apprentice@example.com",
        "mentor@example.com",
        tutor.email,
    }
    filename, content, mimetype = mailoutbox[0].attachments[0]
    assert mimetype.startswith("text/calendar") and filename.endswith(".ics")
    ics = {"content": content}
    event = Calendar.from_ical(ics["content"]).walk("VEVENT")[0]
    calendar = Calendar.from_ical(ics["content"])
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"progress-review-{review.pk}@skills-tracker"
    assert event["SEQUENCE"] == 0
    assert event["LOCATION"] == "Acme office, room 2"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    attendees = {str(a).lower() for a in event["ATTENDEE"]}
    assert {"mailto:apprentice@example.com", "mailto:mentor@example.com"} <= attendees
    assert f"mailto:{tutor.email}" in attendees
    assert str(event["ORGANIZER"]) == "mailto:mentor@example.com"


def test_rescheduling_keeps_the_history_and_raises_the_sequence(client, delivered, mentor):
    client.force_login(mentor)
    client.post(
        reverse("tracker:progress-review-schedule", kwargs={"pk": delivered.pk}), schedule_data()
    )
    review = ProgressReview.objects.get()
    url = reverse("tracker:progress-review-reschedule", kwargs={"pk": review.pk})
    client.post(
        url,
        schedule_data(
            scheduled_for="2030-03-05T14:00",
            location="",
            online_link="https://meet.example.com/abc",
            reason="Mentor away",
        ),
    )
    move = review.reschedules.get()
    assert move.old_place == "Acme office, room 2"
    assert move.new_place == "https://meet.example.com/abc" and move.reason == "Mentor away"
    assert move.changed_by == mentor
    response = client.get(reverse("tracker:progress-review-ics", kwargs={"pk": review.pk}))
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1 and str(event["URL"]) == "https://meet.example.com/abc"
    assert str(event["UID"]) == f"progress-review-{review.pk}@skills-tracker"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"location": "", "online_link": ""}, "Give the place, the online link or both."),
        ({"online_link": "http://insecure.example.com"}, "Give an https:// link."),
        ({"online_link": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"scheduled_for": "not a date"}, "Enter a valid date/time."),
        ({"scheduled_for": "2150-01-01T10:00"}, "between 2000 and 2100"),
        ({"duration_minutes": "5"}, "15"),
    ],
)
def test_bad_scheduling_input_is_refused(client, delivered, mentor, changes, message):
    client.force_login(mentor)
    response = client.post(
        reverse("tracker:progress-review-schedule", kwargs={"pk": delivered.pk}),
        schedule_data(**changes),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ProgressReview.objects.exists()


def test_the_apprentice_may_not_schedule(client, delivered, apprentice):
    client.force_login(apprentice)
    url = reverse("tracker:progress-review-schedule", kwargs={"pk": delivered.pk})
    assert client.post(url, schedule_data()).status_code == 403


# --- three signatures, lock and void ------------------------------------------------------------


def test_three_sign_in_any_order_and_the_pdf_is_made_once(client, held, apprentice, mentor, tutor):
    sign(client, tutor, held)
    held.refresh_from_db()
    assert held.stage == "signing" and held.content_locked
    sign(client, apprentice, held, "A fair summary.")
    response = sign(client, mentor, held)
    held.refresh_from_db()
    assert held.is_signed and held.stage == "signed"
    assert "everyone has, and the PDF is ready" in response.content.decode()
    document = held.document
    content = default_storage.open(document.name).read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.size == len(content)
    page = client.get(held.get_absolute_url()).content.decode()
    assert document.sha256 in page
    html = review_print_html(held)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    text = " ".join(text.split())  # lines broken anywhere in the layout
    for name in ("Alex Apprentice", "Mina Mentor", "Tara Tutor"):
        assert name in html
        assert name in text, f"{name} is not in the PDF's text"
    download = client.get(reverse("tracker:progress-review-pdf", kwargs={"pk": held.pk}))
    assert b"".join(download.streaming_content) == content
    # Signing again changes nothing and makes no second PDF.
    response = sign(client, tutor, held)
    assert "final" in response.content.decode()
    assert ReviewSignature.objects.filter(review=held).count() == 3


def test_signing_proposes_the_next_review_twelve_weeks_on(client, held, apprentice, mentor, tutor):
    for user in (apprentice, mentor, tutor):
        sign(client, user, held)
    proposed = ProgressReview.objects.get(proposed_after=held)
    assert timezone.localtime(proposed.scheduled_for).date() == held.held_on + timedelta(weeks=12)
    assert proposed.stage == "scheduled"


def test_a_change_after_a_signature_needs_confirming_and_voids_it(client, held, apprentice, mentor):
    sign(client, apprentice, held)
    client.force_login(mentor)
    url = reverse("tracker:progress-review-update", kwargs={"pk": held.pk})
    data = {
        "held_on": held.held_on.isoformat(),
        "next_due_on": held.next_due_on.isoformat(),
        "progress": "Rewritten progress",
        "actions": held.actions,
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "voids the signatures" in response.content.decode()
    held.refresh_from_db()
    assert held.progress != "Rewritten progress" and held.apprentice_signed_at
    client.post(url, {**data, "confirm_void": "on"})
    held.refresh_from_db()
    assert held.progress == "Rewritten progress"
    assert held.content_version == 2 and not held.content_locked
    change = ReviewChange.objects.get(review=held)
    assert change.changes["progress and achievements"][1] == "Rewritten progress"
    assert change.voided == ["Alex Apprentice"]
    page = client.get(held.get_absolute_url()).content.decode()
    assert "Voided signatures" in page
    assert ReviewSignature.objects.filter(review=held).count() == 1  # kept, void


def test_employer_only_apprenticeship_needs_two_signatures(
    client, apprenticeship, apprentice, mentor
):
    review = ProgressReviewFactory(apprenticeship=apprenticeship, recorded_by=mentor)
    sign(client, apprentice, review)
    sign(client, mentor, review)
    review.refresh_from_db()
    assert review.parties == ["apprentice", "employer"] and review.is_signed
    assert review.document.sha256


def test_a_scheduled_review_cannot_be_signed_before_it_is_held(client, delivered, apprentice):
    review = ProgressReviewFactory(
        apprenticeship=delivered, held_on=None, next_due_on=None, scheduled_for=timezone.now()
    )
    response = sign(client, apprentice, review)
    assert "has not been held" in response.content.decode()
    assert not ReviewSignature.objects.exists()


def test_an_admin_cannot_sign(client, held, admin_user):
    client.force_login(admin_user)
    url = reverse("tracker:progress-review-sign", kwargs={"pk": held.pk})
    assert client.post(url, {"agree": "on"}).status_code == 403


def test_signing_without_the_statement_is_refused(client, held, apprentice):
    client.force_login(apprentice)
    client.post(reverse("tracker:progress-review-sign", kwargs={"pk": held.pk}), {})
    assert not ReviewSignature.objects.exists()


def test_open_actions_are_carried_into_the_next_review(client, held, mentor):
    ReviewAction.objects.create(
        review=held, text="Book the course", owner="apprentice", due_on=date.today()
    )
    ReviewAction.objects.create(
        review=held, text="Done already", owner="employer", due_on=date.today(), state="done"
    )
    later = ProgressReviewFactory(
        apprenticeship=held.apprenticeship,
        held_on=None,
        next_due_on=None,
        scheduled_for=timezone.now(),
    )
    client.force_login(mentor)
    client.post(
        reverse("tracker:progress-review-update", kwargs={"pk": later.pk}),
        {"held_on": date.today().isoformat(), "progress": "Next one", "next_due_on": ""},
    )
    carried = later.action_items.get()
    assert carried.text == "Book the course" and carried.carried_from.review == held


# --- safeguarding -------------------------------------------------------------------------------


def test_a_concern_reaches_the_lead_and_no_employer_sees_it(
    client, held, tutor, lead, mentor, manager, apprentice
):
    client.force_login(tutor)
    url = reverse("tracker:progress-review-concern-create", kwargs={"pk": held.pk})
    client.post(url, {"note": "SECRET-CONCERN-NOTE"})
    assert held.concerns.get().note == "SECRET-CONCERN-NOTE"
    assert lead.notifications.filter(kind="safeguarding_concern").exists()
    assert "SECRET-CONCERN-NOTE" in client.get(held.get_absolute_url()).content.decode()
    for user in (mentor, manager, apprentice):
        client.force_login(user)
        page = client.get(held.get_absolute_url()).content.decode()
        assert "SECRET-CONCERN-NOTE" not in page and "Safeguarding concerns" not in page
        assert client.post(url, {"note": "x"}).status_code == 403
    assert "SECRET-CONCERN-NOTE" not in review_print_html(held)


def test_detail_query_count_is_pinned(client, held, tutor, django_assert_max_num_queries):
    for n in range(5):
        ReviewAction.objects.create(
            review=held, text=f"Action {n}", owner="employer", due_on=date.today()
        )
    client.force_login(tutor)
    with django_assert_max_num_queries(30) as small:
        client.get(held.get_absolute_url())
    for n in range(20):
        ReviewAction.objects.create(
            review=held, text=f"More {n}", owner="provider", due_on=date.today()
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(held.get_absolute_url())


def test_a_pdf_failure_leaves_the_review_signed_and_is_retried(
    client, held, apprentice, mentor, tutor, monkeypatch
):
    def broken(html):
        raise OSError("no Pango here")

    monkeypatch.setattr("tracker.review_pdf.render_pdf", broken)
    sign(client, apprentice, held)
    sign(client, tutor, held)
    client.force_login(mentor)
    response = client.post(
        reverse("tracker:progress-review-sign", kwargs={"pk": held.pk}), {"agree": "on"}
    )
    page = client.get(response.url).content.decode()
    held.refresh_from_db()
    assert held.is_signed and not hasattr(held, "document")
    assert "could not be made" in page
    monkeypatch.undo()
    page = client.get(held.get_absolute_url()).content.decode()
    held.refresh_from_db()
    assert held.document.sha256 in page


def test_the_pdf_is_made_once_whoever_asks(client, held, apprentice, mentor, tutor):
    from tracker.review_pdf import review_pdf_make

    for user in (apprentice, mentor, tutor):
        sign(client, user, held)
    first = review_pdf_make(held)
    assert review_pdf_make(held).pk == first.pk


def test_a_party_signs_only_for_itself_once_per_version(client, held, mentor, manager):
    sign(client, mentor, held)
    response = sign(client, manager, held)
    assert "already signed" in response.content.decode()
    assert ReviewSignature.objects.filter(review=held, party="employer").count() == 1


def test_an_outsider_gets_404(client, held, other_manager):
    client.force_login(other_manager)
    assert client.get(held.get_absolute_url()).status_code == 404
    url = reverse("tracker:progress-review-sign", kwargs={"pk": held.pk})
    assert client.post(url, {"agree": "on"}).status_code == 404
