"""Issue 13 in the browser: a manager picks a demo-like apprentice on ST0825 1.0, checks the
move to 1.1, reads the report, confirms and moves; the apprentice's home then shows v1.1.
Axe checks each page; screenshots at 1280 and 375 px are kept as test artefacts."""

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import EvidenceFactory, make_scan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moving(devops, manager):
    """The devops apprentice with a validated scan, accepted evidence on K3 and S22 (gone in
    1.1) and ST0825 1.1 imported beside 1.0."""
    from tests.progress.test_moves import import_v11, ksb

    make_scan(devops, status="validated")
    standard = devops.standard
    EvidenceFactory(
        apprenticeship=devops,
        status="accepted",
        ksbs=[ksb(standard, "K3"), ksb(standard, "S22")],
    )
    return devops, import_v11()


def _fits(page, viewport, label):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{label} scrolls sideways"


@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, 1280), (PHONE, 375)])
def test_a_manager_checks_and_moves_an_apprentice(
    browser, live_server, moving, assert_accessible, screenshot, viewport, size
):
    apprenticeship, _ = moving
    context = new_context(browser, live_server, viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, "manager@example.com")
        page.goto(f"/organisations/{apprenticeship.organisation_id}/moves/")
        assert_accessible(page)
        _fits(page, viewport, "the choice")
        screenshot(page, f"issue13-moves-choose-{size}")
        # Keyboard: tick the apprentice with the space bar, then check the move.
        box = page.get_by_label("Alex Apprentice")
        box.focus()
        page.keyboard.press("Space")
        assert box.is_checked()
        page.get_by_label("Move to version").select_option(label="ST0825 v1.1")
        page.get_by_role("button", name="Check the move").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="What moving to ST0825 v1.1 will do").is_visible()
        report = page.locator(".move-report").inner_text()
        assert "S22" in report and "K26" in report
        assert_accessible(page)
        _fits(page, viewport, "the report")
        screenshot(page, f"issue13-moves-report-{size}")
        page.get_by_label("I have checked the report: move now").check()
        page.get_by_role("button", name="Move 1 apprenticeship to v1.1").click()
        page.wait_for_load_state()
        assert "Moved 1 apprenticeship to ST0825 v1.1." in page.locator(".messages").inner_text()
        assert "Recent moves" in page.content()
        assert_accessible(page)
        screenshot(page, f"issue13-moves-done-{size}")
        page.get_by_role("link", name="Alex Apprentice").first.click()
        page.wait_for_load_state()
        assert "ST0825 v1.1" in page.locator(".lead").inner_text()
        assert_accessible(page)
        _fits(page, viewport, "the apprentice's home")
        screenshot(page, f"issue13-moved-home-{size}")
        assert context.errors == []
    finally:
        context.close()


def test_one_apprenticeship_page_at_both_widths(
    browser, live_server, moving, assert_accessible, screenshot
):
    apprenticeship, _ = moving
    for viewport, size in ((DESKTOP, 1280), (PHONE, 375)):
        context = new_context(browser, live_server, viewport=viewport)
        page = context.new_page()
        try:
            log_in(page, "manager@example.com")
            page.goto(apprenticeship.get_absolute_url())
            page.get_by_role("link", name="Move to v1.1").click()
            page.wait_for_load_state()
            page.get_by_role("button", name="Check the move").click()
            page.wait_for_load_state()
            assert "Duty sign-offs" in page.locator(".move-report").inner_text()
            assert_accessible(page)
            _fits(page, viewport, "one apprenticeship's report")
            screenshot(page, f"issue13-move-one-{size}")
            assert context.errors == []
        finally:
            context.close()
