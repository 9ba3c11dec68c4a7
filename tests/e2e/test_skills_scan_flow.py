"""The skills scan end to end: the apprentice rates all 51 KSBs of ST0825 with the keyboard
only, saves midway, leaves, comes back and submits; the mentor validates with a disagreement
comment; both see the results. Every page passes axe."""

import re

import pytest

from skillscan.models import SkillScan
from tests.e2e.conftest import log_in, new_context

pytestmark = pytest.mark.django_db(transaction=True)


def tab_to(page, selector, limit=300):
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"could not reach {selector} with Tab")


def rate_section_by_keyboard(page, score_of):
    """Give every KSB on the page the score ``score_of(index)`` using Tab, Space and arrows."""
    names = page.eval_on_selector_all(
        "fieldset.ksb-rating input[type=radio][value='0']", "els => els.map(e => e.name)"
    )
    for index, name in enumerate(names):
        tab_to(page, f"input[name='{name}']")
        page.keyboard.press("Space")
        for _ in range(score_of(index)):
            page.keyboard.press("ArrowRight")
    return names


def press_button(page, name):
    tab_to(page, f"button[value='{name}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_scan_by_keyboard_then_validation_then_results(
    browser, live_server, page, devops, assert_accessible, screenshot
):
    log_in(page, "apprentice@example.com")
    page.wait_for_url(f"**/apprenticeships/{devops.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"Start your (initial|first) skills scan")).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/rate/k/")
    assert_accessible(page)

    # Knowledge: scores 0-4 in turn, one comment typed, then "Save and continue".
    names = rate_section_by_keyboard(page, lambda i: i % 5)
    assert len(names) == 25
    tab_to(page, "textarea[name^='comment_']")
    page.keyboard.type("Learnt this on a course")
    press_button(page, "next")
    page.wait_for_url("**/rate/s/")
    assert "25 of 51 rated" in page.content()
    assert_accessible(page)

    # Skills, saved; then leave and come back another day.
    assert len(rate_section_by_keyboard(page, lambda i: 2)) == 22
    press_button(page, "save")
    assert "47 of 51 rated" in page.content()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "apprentice@example.com")
    page.get_by_role("link", name="Continue the initial scan").click()
    page.wait_for_url("**/rate/b/")
    assert page.locator("input[type=radio]:checked").count() == 0
    page.get_by_role("button", name="2. Skills (22)").click()
    page.wait_for_url("**/rate/s/")
    assert page.locator("input[type=radio]:checked").count() == 22  # every saved answer is back
    page.get_by_role("button", name="3. Behaviours (4)").click()
    page.wait_for_url("**/rate/b/")

    assert len(rate_section_by_keyboard(page, lambda i: 3)) == 4
    press_button(page, "next")
    page.wait_for_url("**/submit/")
    assert "51 of 51" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Submit for validation").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/scans/*/")
    assert "Awaiting validation" in page.content()
    assert_accessible(page)
    scan = SkillScan.objects.get()
    assert scan.status == "submitted" and scan.ratings.count() == 51
    assert scan.ratings.get(ksb__kind="K", ksb__number=25).comment == "Learnt this on a course"

    # The mentor validates, explaining a disagreement.
    mentor_context = new_context(browser, live_server)
    mentor_page = mentor_context.new_page()
    try:
        log_in(mentor_page, "mentor@example.com")
        mentor_page.get_by_role("link", name="Scans to validate").click()
        assert_accessible(mentor_page)
        mentor_page.get_by_role("link", name="Validate the scan of Alex Apprentice").click()
        assert_accessible(mentor_page)
        mentor_page.get_by_label("Your score for K1", exact=True).select_option(
            "3"
        )  # apprentice said 0
        mentor_page.get_by_role("button", name="Validate the scan").click()
        assert "explain why before validating" in mentor_page.get_by_role("alert").inner_text()
        assert_accessible(mentor_page)
        mentor_page.get_by_label("Your comment on K1", exact=True).fill(
            "Sets up CI for the team already."
        )
        mentor_page.get_by_role("button", name="Validate the scan").click()
        mentor_page.wait_for_url(f"**/scans/{scan.pk}/")
        body = mentor_page.content()
        assert "Validated" in body and "Disagreements (1)" in body
        assert_accessible(mentor_page)
        screenshot(mentor_page, "scan-results")
        assert mentor_context.errors == []
    finally:
        mentor_context.close()

    page.goto(f"/scans/{scan.pk}/")
    body = page.content()
    assert "Prior learning: an estimate to agree" in body
    assert "Sets up CI for the team already." in body
    assert_accessible(page)
    page.get_by_role("link", name="Progress across scans").click()
    assert_accessible(page)
