"""Issue 13 in the browser: a reader finds the current version of ST0825, follows "What changed
since v1.0" and compares versions with the keyboard; every page passes axe and reads at
375 px."""

import pytest
from django.core.management import call_command

from tests.conftest import DATA, ST0825_RECORD
from tests.e2e.conftest import ARTIFACTS, PHONE, new_context

pytestmark = pytest.mark.django_db(transaction=True)

COMPARE = "/standards/ST0825/compare/1.0/1.1/"


@pytest.fixture
def st0825_both(transactional_db):
    """ST0825 1.0 from IfATE's record and 1.1 from the test record beside it."""
    call_command("import_standard", str(ST0825_RECORD), stdout=None)
    call_command("import_standard", str(DATA / "ST0825_v1.1.test.json"), stdout=None)


def test_browse_to_the_current_version_and_read_what_changed(
    page, st0825_both, assert_accessible, screenshot
):
    page.goto("/standards/")
    assert_accessible(page)
    screenshot(page, "issue13-standards-list-desktop")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Version 1.1 of ST0825"))
    assert "Current version" in row.inner_text()
    assert "Approved for delivery" in row.inner_text()

    page.get_by_role("link", name="Version 1.1 of ST0825").click()
    page.wait_for_url("**/standards/ST0825/1.1/")
    assert "Current version" in page.locator(".version-status").inner_text()
    versions = page.get_by_role("navigation", name="Versions of ST0825")
    assert versions.locator("[aria-current=page]").inner_text() == "Version 1.1"
    assert_accessible(page)
    screenshot(page, "issue13-standard-detail-desktop")
    page.screenshot(path=ARTIFACTS / "issue13-standard-detail-desktop-top.png")

    page.get_by_role("link", name="What changed since v1.0").click()
    page.wait_for_url(f"**{COMPARE}")
    summary = page.locator("#diff-summary").inner_text()
    assert summary == "1 KSB added, 1 removed, 1 reworded; 4 duties remapped."
    reworded = page.locator("section[aria-labelledby=ksbs-reworded]")
    # Struck through and underlined, and the hidden words say what each change is.
    assert reworded.locator("del").text_content() == "[removed: legislation.]"
    assert reworded.locator("ins").text_content() == (
        "[added: legislation, including cloud-native patterns.]"
    )
    assert_accessible(page)
    screenshot(page, "issue13-standard-compare-desktop")
    page.screenshot(path=ARTIFACTS / "issue13-standard-compare-desktop-top.png")


def test_compare_two_versions_with_the_keyboard(page, st0825_both, assert_accessible):
    page.goto(COMPARE)
    to_version = page.get_by_label("To version")
    to_version.focus()
    page.keyboard.press("ArrowDown")  # 1.1 -> 1.0
    assert to_version.input_value() == "1.0"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Compare"
    page.keyboard.press("Enter")
    page.wait_for_url("**/standards/ST0825/compare/1.0/1.0/")
    assert "These are the same version." in page.locator("main").inner_text()
    assert_accessible(page)

    from_version = page.get_by_label("From version")
    from_version.focus()
    page.keyboard.press("ArrowUp")  # 1.0 -> 1.1: newer to older
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{COMPARE}")
    main = page.locator("main").inner_text()
    assert "the comparison runs from the older version to the newer one" in main
    assert "1 KSB added" in main
    assert_accessible(page)


def test_the_version_pages_read_at_phone_width(
    browser, live_server, st0825_both, assert_accessible, screenshot
):
    context = new_context(browser, live_server, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    try:
        for url, name in (
            ("/standards/", "issue13-standards-list-phone"),
            ("/standards/ST0825/1.1/", "issue13-standard-detail-phone"),
            (COMPARE, "issue13-standard-compare-phone"),
        ):
            page.goto(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
            assert_accessible(page)
            screenshot(page, name)
            page.screenshot(path=ARTIFACTS / f"{name}-top.png")  # the first screen alone
        assert context.errors == []
    finally:
        context.close()
