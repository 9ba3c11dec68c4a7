"""Issue 15 in the browser: a mentor sees the bell's count, opens the inbox, opens an item
(landing on its page, the count one less), marks everything read and changes a preference.
Axe checks the inbox and the preferences; screenshots at 1280 and 375 px; the keyboard focus
is visible on the bell."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify.models import Notification, Preference
from tests.e2e.conftest import DESKTOP, PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def bell(page):
    return page.locator("a.site-bell")


def test_the_mentor_works_through_the_inbox(page, devops, mentor, assert_accessible, screenshot):
    evidence_url = devops.get_absolute_url()
    for n, title in enumerate(
        [
            "Alex Apprentice submitted “Pipeline for the payments API” for review",
            "Alex Apprentice submitted a skills scan",
            "Progress review due on 12 January",
        ]
    ):
        Notification.objects.create(
            recipient=mentor,
            kind="evidence_submitted",
            apprenticeship=devops,
            title=title,
            body="Waiting for you to look at it.",
            url=evidence_url,
            created_at=timezone.now() - timedelta(hours=n + 1),
        )
    Notification.objects.create(
        recipient=mentor,
        kind="review_signed",
        apprenticeship=devops,
        title="Progress review signed by all",
        url=evidence_url,
        created_at=timezone.now() - timedelta(days=3),
        read_at=timezone.now() - timedelta(days=2),
    )

    log_in(page, mentor.email)
    assert bell(page).get_by_text("Notifications, 3 unread").count() == 1
    assert bell(page).locator(".site-bell-count").inner_text() == "3"

    # The bell takes the keyboard focus with a visible outline.
    bell(page).focus()
    outline = bell(page).evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("none", ""), outline

    bell(page).click()
    page.wait_for_url("**/notifications/")
    assert page.get_by_role("heading", name="Notifications").is_visible()
    assert page.locator(".inbox-item.is-unread").count() == 3
    assert_accessible(page)
    for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
        page.set_viewport_size(size)
        screenshot(page, f"issue15-inbox-{label}")
    page.set_viewport_size(DESKTOP)

    # Opening an item goes to its page and counts one less.
    page.get_by_role("button", name="Alex Apprentice submitted a skills scan", exact=True).click()
    page.wait_for_url(f"**{evidence_url}")
    assert bell(page).get_by_text("Notifications, 2 unread").count() == 1

    bell(page).click()
    page.wait_for_url("**/notifications/")
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_load_state()
    assert page.get_by_text("Every notification is marked read.").is_visible()
    assert bell(page).get_by_text("Notifications, 0 unread").count() == 1
    assert bell(page).locator(".site-bell-count").count() == 0
    assert page.locator(".inbox-item.is-unread").count() == 0

    # The unread filter is empty now.
    page.get_by_role("link", name="Unread", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Nothing unread.").is_visible()

    page.get_by_role("link", name="Choose what you are sent").click()
    page.wait_for_url("**/notifications/preferences/")
    assert_accessible(page)
    for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
        page.set_viewport_size(size)
        screenshot(page, f"issue15-preferences-{label}")
    page.set_viewport_size(DESKTOP)
    group = page.get_by_role("group", name="Evidence submitted for review")
    group.get_by_label("In my digest e-mail").check()
    page.get_by_label("Weekly (on Mondays)").check()
    page.get_by_role("button", name="Save choices").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your notification choices are saved.").is_visible()
    assert Preference.objects.get(user=mentor, kind="evidence_submitted").channel == "digest"
    assert group.get_by_label("In my digest e-mail").is_checked()
