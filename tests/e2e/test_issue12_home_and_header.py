"""Issue 12 in the browser: on a phone the header is short and its links fold behind a menu
button that works by keyboard (and stay open without JavaScript); the apprentice's "Log
evidence" is on the first screen of their home; the dashboard's counts open exactly the rows
they count. Axe checks each page at both widths; screenshots are kept as test artefacts."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import EvidenceFactory, InvitationFactory, ProgressReviewFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _open(browser, live_server, email, url, viewport, **options):
    context = new_context(browser, live_server, viewport=viewport, **options)
    page = context.new_page()
    log_in(page, email)
    page.goto(url)
    return context, page


def _fits(page, viewport, label):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{label} scrolls sideways"


def test_the_phone_header_folds_and_opens_by_keyboard(
    browser, live_server, devops, assert_accessible, screenshot
):
    context, page = _open(
        browser, live_server, "apprentice@example.com", devops.get_absolute_url(), PHONE
    )
    try:
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 72, header  # one row: the name and the menu button
        menu = page.get_by_role("button", name="Menu")
        assert menu.get_attribute("aria-expanded") == "false"
        home = page.get_by_role("link", name="My home")
        assert not home.is_visible()
        menu.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#site-menu.show")
        assert menu.get_attribute("aria-expanded") == "true"
        assert home.is_visible()
        page.keyboard.press("Tab")  # Standards, the first link in the menu
        assert page.evaluate("document.activeElement.textContent") == "Standards"
        page.wait_for_timeout(400)  # the folding animation
        assert_accessible(page)
        screenshot(page, "issue12-header-menu-open-375")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector("#site-menu:not(.show)", state="attached")
        assert menu.get_attribute("aria-expanded") == "false"
        assert context.errors == []
    finally:
        context.close()


def test_without_javascript_the_links_are_there(browser, live_server, devops):
    context, page = _open(
        browser,
        live_server,
        "apprentice@example.com",
        devops.get_absolute_url(),
        PHONE,
        java_script_enabled=False,
    )
    try:
        assert page.get_by_role("link", name="My home").is_visible()
        assert not page.get_by_role("button", name="Menu").is_visible()
    finally:
        context.close()


def test_the_desktop_header_shows_its_links(browser, live_server, devops):
    context, page = _open(
        browser, live_server, "apprentice@example.com", devops.get_absolute_url(), DESKTOP
    )
    try:
        assert page.get_by_role("link", name="My home").is_visible()
        assert not page.get_by_role("button", name="Menu").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize(("label", "viewport"), [("1280", DESKTOP), ("375", PHONE)])
def test_log_evidence_is_on_the_first_screen_of_the_home(
    browser, live_server, devops, assert_accessible, screenshot, label, viewport
):
    EvidenceFactory(
        apprenticeship=devops,
        status="submitted",
        ksbs=list(devops.standard.duties.get(number=1).ksbs.all()[:2]),
        submitted_at=timezone.now(),
    )
    context, page = _open(
        browser, live_server, "apprentice@example.com", devops.get_absolute_url(), viewport
    )
    try:
        log = page.get_by_role("link", name="Log evidence")
        assert log.count() == 1
        box = log.bounding_box()
        assert box["y"] + box["height"] <= viewport["height"], box
        start = page.get_by_role("button", name="Start your first skills scan")
        assert start.bounding_box()["y"] < viewport["height"]
        assert page.get_by_role("link", name="Next review:").is_visible()
        assert "Started" in page.locator(".duty-table").inner_text()
        _fits(page, viewport, f"the home at {label} px")
        assert_accessible(page)
        screenshot(page, f"issue12-apprentice-home-{label}")
        assert context.errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("label", "viewport"), [("1280", DESKTOP), ("375", PHONE)])
def test_each_dashboard_count_opens_its_rows(
    browser, live_server, devops, manager, acme, assert_accessible, screenshot, label, viewport
):
    for days in (6, 1):
        EvidenceFactory(
            apprenticeship=devops,
            status="submitted",
            off_the_job_hours=Decimal(2),
            submitted_at=timezone.now() - timedelta(days=days),
        )
    ProgressReviewFactory(
        apprenticeship=devops,
        held_on=devops.start_date,
        next_due_on=timezone.localdate() - timedelta(days=3),
    )
    InvitationFactory(
        organisation=acme,
        apprenticeship__standard=devops.standard,
        full_name="Priya Patel",
        email="priya@example.com",
    )
    context, page = _open(browser, live_server, "manager@example.com", "/dashboard/", viewport)
    try:
        row = page.locator(".dashboard-table tbody tr", has_text="Alex Apprentice")
        assert "evidence waiting 6 days (2 pieces)" in row.inner_text()
        assert "Invited: priya@example.com" in page.locator(".dashboard-table").inner_text()
        _fits(page, viewport, f"the dashboard at {label} px")
        assert_accessible(page)
        screenshot(page, f"issue12-dashboard-{label}")
        for words in (r"reviews? overdue", "with evidence to review", r"apprenticeships?$"):
            card = page.locator(".dashboard-counts a", has_text=re.compile(words))
            number = int(card.locator(".count").inner_text())
            card.click()
            page.wait_for_load_state()
            assert page.locator(".dashboard-table tbody tr").count() == number, words
            page.go_back()
        assert context.errors == []
    finally:
        context.close()
