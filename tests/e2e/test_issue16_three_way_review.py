"""Issue 16 in a browser: a tutor of the training provider schedules a progress review (the
parties get a calendar invitation), writes it up and pre-fills it from the record; the tutor,
the mentor and the apprentice each sign it; the PDF everyone downloads from then on shows its
SHA-256. Axe runs on each page; screenshots at 1280 and 375 px."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core import mail

from accounts.models import Apprenticeship, Membership, OutgoingEmail
from tests.conftest import verified_user
from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import MembershipFactory, PartnershipFactory, ProviderFactory
from tracker.models import ProgressReview

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(devops, acme):
    northwind = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=northwind)
    tutor = verified_user("tutor@example.com", "Tomi Tutor")
    MembershipFactory(user=tutor, organisation=northwind, role=Membership.Role.TUTOR)
    Apprenticeship.objects.filter(pk=devops.pk).update(provider=northwind, tutor=tutor)
    devops.refresh_from_db()
    return devops


def _sign(page, comment=""):
    page.get_by_label("I agree this is an accurate record.").check()
    if comment:
        page.get_by_label("Your comments (optional)").fill(comment)
    page.get_by_role("button", name="Sign the review").click()
    page.wait_for_load_state()


def _both_sizes(page, screenshot, name):
    for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def test_a_tutor_schedules_prefills_and_the_three_parties_sign(
    browser, live_server, delivered, assert_accessible, screenshot
):
    contexts = []

    def as_person(email):
        context = new_context(browser, live_server)
        contexts.append(context)
        page = context.new_page()
        log_in(page, email)
        return page

    try:
        tutor = as_person("tutor@example.com")
        tutor.goto(f"/apprenticeships/{delivered.pk}/reviews/")
        tutor.get_by_role("link", name="Schedule a review").click()
        tutor.wait_for_load_state()
        assert_accessible(tutor)
        when = date.today() + timedelta(days=7)
        tutor.get_by_label("Date and time").fill(f"{when.isoformat()}T10:30")
        # A mistake first: neither a place nor a link.
        tutor.get_by_role("button", name="Schedule the review").click()
        tutor.wait_for_load_state()
        assert "Give the place, the online link or both." in tutor.content()
        tutor.get_by_label("Place").fill("Acme Digital, meeting room 2")
        tutor.get_by_label("Attendees").fill("Alex Apprentice, Mina Mentor, Tomi Tutor")
        tutor.get_by_role("button", name="Schedule the review").click()
        tutor.wait_for_url("**/reviews/*/")
        review = ProgressReview.objects.get(apprenticeship=delivered)
        assert review.scheduled_for is not None and review.held_on is None
        # Each party is invited with a calendar file (sent at once here: no broker).
        invited = [m for m in mail.outbox if any(a[0].endswith(".ics") for a in m.attachments)]
        assert {address for message in invited for address in message.to} >= {
            "apprentice@example.com",
            "mentor@example.com",
            "tutor@example.com",
        }
        assert "BEGIN:VCALENDAR" in str(invited[0].attachments[0][1])
        assert OutgoingEmail.objects.about(review).exists()
        assert tutor.get_by_role("link", name="Add to your calendar (.ics)").is_visible()
        assert_accessible(tutor)
        _both_sizes(tutor, screenshot, "issue16-review-scheduled")

        # The meeting is held: the tutor writes it up, then pre-fills it from the record.
        tutor.get_by_role("link", name="Write up the review").click()
        tutor.wait_for_load_state()
        tutor.get_by_label("Date held").fill(date.today().isoformat())
        tutor.get_by_label("Progress and achievements").fill("Good progress on the pipeline.")
        tutor.get_by_role("button", name="Save the review").click()
        tutor.wait_for_url(f"**/reviews/{review.pk}/")
        tutor.get_by_role("button", name="Pre-fill from the record").click()
        tutor.wait_for_load_state()
        assert tutor.get_by_role("button", name="Pre-fill again from the record").is_visible()
        assert "Off-the-job hours" in tutor.content()
        assert_accessible(tutor)
        _both_sizes(tutor, screenshot, "issue16-review-prefilled")

        _sign(tutor)
        assert "The content is locked" in tutor.content()

        mentor = as_person("mentor@example.com")
        mentor.goto(f"/reviews/{review.pk}/")
        assert "Safeguarding concerns" not in mentor.content()
        _sign(mentor)

        apprentice = as_person("apprentice@example.com")
        apprentice.goto(f"/reviews/{review.pk}/")
        _sign(apprentice, comment="A fair record.")
        assert "Everyone has signed" in apprentice.content()
        assert_accessible(apprentice)
        _both_sizes(apprentice, screenshot, "issue16-review-signed")

        review.refresh_from_db()
        document = review.document
        with apprentice.expect_download() as download:
            apprentice.get_by_role("link", name="Download the PDF").click()
        body = open(download.value.path(), "rb").read()  # noqa: SIM115
        assert body.startswith(b"%PDF")
        assert hashlib.sha256(body).hexdigest() == document.sha256
        assert document.sha256 in apprentice.content()
        for context in contexts:
            assert context.errors == []
    finally:
        for context in contexts:
            context.close()
