"""A manager invites an apprentice; the apprentice opens the link from the e-mail in a fresh
browser, signs up and finds their apprenticeship. Every page on the way passes axe."""

import re

import pytest

from accounts.models import Apprenticeship
from tests.e2e.conftest import log_in, new_context

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_invites_and_the_apprentice_signs_up_and_sees_the_apprenticeship(
    browser,
    live_server,
    page,
    manager,
    mentor,
    standard,
    acme,
    mailoutbox,
    assert_accessible,
    screenshot,
):
    log_in(page, "manager@example.com")
    page.wait_for_url("**/dashboard/")
    assert_accessible(page)

    page.get_by_role("link", name="Acme Digital: people and invitations").click()
    page.wait_for_url(f"**/organisations/{acme.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Invite an apprentice").click()
    assert_accessible(page)

    # A mistake first: the form says what is wrong and keeps what was typed.
    page.get_by_label("Apprentice's e-mail address").fill("ann@example.com")
    page.get_by_label("Apprentice's full name").fill("Ann Learner")
    page.get_by_label("Start date").fill("2026-09-01")
    page.get_by_label("Planned end date").fill("2026-08-01")
    page.get_by_label("Mentor").select_option(label="Mina Mentor")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()
    assert "must be after the start date" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Apprentice's e-mail address").input_value() == "ann@example.com"
    assert_accessible(page)
    screenshot(page, "invite-apprentice-error")

    page.get_by_label("Planned end date").fill("2028-08-31")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"**/organisations/{acme.pk}/")
    assert "Invited Ann Learner" in page.get_by_role("status").inner_text()
    assert page.get_by_role("cell", name="Apprentice on ST0825 DevOps engineer").is_visible()
    assert_accessible(page)

    (message,) = mailoutbox
    link = re.search(r"https?://\S+/invite/\S+/", message.body)[0]

    # The apprentice, in a browser of their own.
    context = new_context(browser, live_server)
    apprentice_page = context.new_page()
    try:
        apprentice_page.goto(link)
        assert "Your apprenticeship at Acme Digital" in apprentice_page.content()
        assert_accessible(apprentice_page)
        apprentice_page.get_by_role("link", name="Create your account").click()
        assert apprentice_page.get_by_label("Email").input_value() == "ann@example.com"
        assert_accessible(apprentice_page)
        apprentice_page.get_by_label("Full name").fill("Ann Learner")
        apprentice_page.get_by_label(re.compile(r"^\s*Password\W*$")).fill("a-strong-pass-4321")
        apprentice_page.get_by_label("Password (again)").fill("a-strong-pass-4321")
        apprentice_page.get_by_role("button", name="Sign Up").click()
        apprentice_page.get_by_role("button", name="Accept invitation").click()
        apprentice_page.wait_for_url("**/apprenticeships/*/")
        heading = apprentice_page.get_by_role("heading", level=1).inner_text()
        assert heading == "Your apprenticeship"
        body = apprentice_page.content()
        assert "DevOps engineer" in body and "Mina Mentor" in body
        assert_accessible(apprentice_page)
        screenshot(apprentice_page, "apprentice-home")
        assert context.errors == []
    finally:
        context.close()

    apprenticeship = Apprenticeship.objects.get()
    assert apprenticeship.apprentice.email == "ann@example.com"
    assert apprenticeship.status == Apprenticeship.Status.ACTIVE


def test_login_page_and_error_are_accessible(page, live_server, user, assert_accessible):
    log_in(page, "someone@example.com", "wrong-password")
    assert "not correct" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
