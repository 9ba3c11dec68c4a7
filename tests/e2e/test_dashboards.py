"""The pages people live in, on the demo data set: the apprentice's home, the employer's
dashboard (sorted and filtered), the printable portfolio. Axe checks each at desktop and phone
width; screenshots of each are kept as test artefacts."""

import pytest
from django.core.management import call_command

from accounts.models import Apprenticeship
from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", force=True, password=PASSWORD, apprentices=30, stdout=None)


def check_widths(browser, live_server, email, url, name, assert_accessible, screenshot, media=None):
    for label, viewport in (("1280", DESKTOP), ("375", PHONE)):
        context = new_context(browser, live_server, viewport=viewport)
        page = context.new_page()
        try:
            log_in(page, email)
            if media:
                page.emulate_media(media=media)
            page.goto(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (
                f"{name} scrolls sideways at {label} px"
            )
            assert_accessible(page)
            screenshot(page, f"{name}-{label}")
            assert context.errors == []
        finally:
            context.close()


def test_the_apprentices_home(browser, live_server, page, demo, assert_accessible, screenshot):
    log_in(page, "apprentice@example.com")
    first = Apprenticeship.objects.get(apprentice__email="apprentice@example.com")
    page.wait_for_url(f"**/apprenticeships/{first.pk}/")
    assert page.get_by_role("heading", name="What to do next").is_visible()
    assert page.locator(".next-actions li").count() <= 3
    rows = page.locator(".duty-table tbody tr")
    assert rows.count() == 13
    assert "KSBs evidenced" in rows.first.inner_text()
    assert "Gateway readiness" in page.content()
    assert page.locator(".heat").count() >= 51
    check_widths(
        browser,
        live_server,
        "apprentice@example.com",
        first.get_absolute_url(),
        "apprentice-home",
        assert_accessible,
        screenshot,
    )


def test_the_employers_dashboard_sorts_and_filters(
    browser, live_server, page, demo, assert_accessible, screenshot
):
    log_in(page, "manager@example.com")
    page.wait_for_url("**/dashboard/")
    assert "33" in page.locator(".dashboard-counts").inner_text()  # 3 + 30 apprentices
    page.get_by_role("link", name="KSB coverage").click()
    page.wait_for_url("**sort=coverage**")
    header = page.get_by_role("columnheader", name="KSB coverage")
    assert header.get_attribute("aria-sort") == "ascending"
    values = [
        int(cell.rstrip("%"))
        for cell in page.locator(".dashboard-table tbody tr td:nth-child(5)").all_inner_texts()
    ]
    assert values == sorted(values)
    page.get_by_label("Needs attention only").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**attention=1**")
    flags = page.locator(".dashboard-table tbody tr")
    assert flags.count() > 0
    assert flags.count() == page.locator(".attention-flag").count()
    assert_accessible(page)
    check_widths(
        browser,
        live_server,
        "manager@example.com",
        "/dashboard/?sort=-review&attention=1",
        "employer-dashboard",
        assert_accessible,
        screenshot,
    )


def test_the_printable_portfolio(browser, live_server, demo, assert_accessible, screenshot):
    near = Apprenticeship.objects.get(apprentice__email="apprentice3@example.com")
    url = f"/apprenticeships/{near.pk}/portfolio/"
    check_widths(
        browser,
        live_server,
        "apprentice3@example.com",
        url,
        "portfolio-print",
        assert_accessible,
        screenshot,
        media="print",
    )
    context = new_context(browser, live_server)
    page = context.new_page()
    try:
        log_in(page, "apprentice3@example.com")
        page.emulate_media(media="print")
        page.goto(url)
        assert not page.locator("nav.no-print").is_visible()
        # Since issue 17: the evidence, the KSB matrix and the duty summary, each section on a
        # new printed page (the evidence once, not under every KSB of every duty).
        breaks = page.eval_on_selector_all(
            ".portfolio-section", "els => els.map(e => getComputedStyle(e).breakBefore)"
        )
        assert breaks == ["auto", "page", "page"]
    finally:
        context.close()
