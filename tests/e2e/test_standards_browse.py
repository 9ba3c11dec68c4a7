import pytest
from django.core.management import call_command

from tests.e2e.conftest import PHONE, new_context

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def st0825(transactional_db):
    call_command("loaddata", "st0825", verbosity=0)


def test_browse_to_st0825_and_follow_a_duty_ksb_link(page, st0825, assert_accessible, screenshot):
    page.goto("/")
    assert_accessible(page)

    page.get_by_role("link", name="Browse the standards").click()
    page.wait_for_url("**/standards/")
    assert page.get_by_role("heading", level=1).inner_text() == "Apprenticeship standards"
    assert_accessible(page)

    page.get_by_role("link", name="DevOps engineer").click()
    page.wait_for_url("**/standards/ST0825/1.0/")
    assert "DevOps engineer" in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)
    screenshot(page, "standard-detail-desktop")

    duty = page.locator("#duty-1")
    duty.get_by_role("link", name="K7", exact=True).click()
    page.wait_for_url("**/standards/ST0825/1.0/#K7")
    k7 = page.locator("#K7")
    assert "General purpose programming and infrastructure-as-code." in k7.inner_text()
    assert page.evaluate("document.querySelector(':target').id") == "K7"
    top = k7.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"], "K7 should be scrolled into view"

    # From the KSB back to a duty it belongs to.
    k7.get_by_role("link", name="Duty 3").click()
    page.wait_for_url("**#duty-3")
    assert_accessible(page)


def test_skip_link_is_the_first_tab_stop_and_jumps_to_the_content(page, st0825):
    page.goto("/standards/ST0825/1.0/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_standard_page_reads_at_phone_width_and_the_matrix_scrolls_in_its_box(
    browser, live_server, st0825, assert_accessible, screenshot
):
    context = new_context(browser, live_server, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    try:
        page.goto("/standards/ST0825/1.0/")
        # The page itself never scrolls sideways; only the matrix does, inside its own box.
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= PHONE["width"]
        box = page.locator(".matrix-scroll")
        scroll_width, client_width = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert scroll_width > client_width
        box.scroll_into_view_if_needed()
        assert_accessible(page)
        screenshot(page, "standard-detail-phone")
        page.goto("/standards/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(page)
        assert context.errors == []
    finally:
        context.close()
