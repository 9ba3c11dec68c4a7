"""Issue 12, in the browser: scan ratings are never lost. With JavaScript each rating saves as
it is chosen and the page warns before leaving while something is not saved; without it the
section tabs save and move. The check page shows every rating before the lock, and the
results page the employer's different scores and why. Screenshots at 1280 and 375 px."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from skillscan.models import SkillScan
from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import make_scan

pytestmark = pytest.mark.django_db(transaction=True)

# Chromium reports a failed fetch (a 400 answer, an aborted request) on the console; the tests
# that cause one on purpose allow these and nothing else.
EXPECTED_ERRORS = ("status of 400", "net::ERR_FAILED")


@pytest.fixture
def draft(devops):
    return SkillScan.objects.create(apprenticeship=devops, stage="initial")


def rating_of(scan, code):
    rating = scan.ratings.filter(ksb__kind=code[0], ksb__number=int(code[1:])).first()
    return rating and (rating.score, rating.comment)


def choose(page, code, score):
    page.locator(f"#{code} input[type=radio][value='{score}']").check()


def state_of(page, code):
    return page.locator(f"#{code} [data-save-state]")


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"


def test_ratings_save_as_they_are_chosen_and_survive_leaving(
    page, draft, assert_accessible, screenshot
):
    log_in(page, "apprentice@example.com")
    page.goto(f"/scans/{draft.pk}/rate/s/")
    assert page.get_by_text("Each rating is saved as soon as you choose it").is_visible()
    assert not page.get_by_text("Your answers are saved when you press Save").is_visible()
    for code, score in (("S1", 1), ("S2", 2), ("S3", 3)):
        choose(page, code, score)
        expect(state_of(page, code)).to_have_text("✓ Saved")
    assert page.locator("[data-scan-status]").inner_text() == "S3 saved. 3 of 51 rated."
    assert page.locator("#scan-progress-label").inner_text() == "3 of 51 rated"
    assert page.locator("#scan-progress").get_attribute("value") == "3"
    assert_accessible(page)
    screenshot(page, "issue12-scan-rate-saved-1280")
    page.set_viewport_size(PHONE)
    fits(page, PHONE["width"])
    page.locator("#S3").scroll_into_view_if_needed()
    screenshot(page, "issue12-scan-rate-saved-375")
    page.set_viewport_size(DESKTOP)

    # Another section's tab, then back: the three ratings are there.
    page.get_by_role("button", name="1. Knowledge (25)").click()
    page.wait_for_url("**/rate/k/")
    assert page.locator('[aria-current="step"]').inner_text() == "1. Knowledge (25)"
    page.goto(f"/scans/{draft.pk}/rate/s/")
    assert page.locator("input[type=radio]:checked").count() == 3
    assert [rating_of(draft, c) for c in ("S1", "S2", "S3")] == [(1, ""), (2, ""), (3, "")]

    # Any link at all: a rating chosen just before is kept too.
    choose(page, "S4", 4)
    expect(state_of(page, "S4")).to_have_text("✓ Saved")
    page.get_by_role("link", name="Your apprenticeship").click()
    page.wait_for_url(f"**/apprenticeships/{draft.apprenticeship_id}/")
    page.goto(f"/scans/{draft.pk}/rate/s/")
    assert page.locator("input[type=radio]:checked").count() == 4


def test_a_comment_saves_once_typing_pauses(page, draft):
    log_in(page, "apprentice@example.com")
    page.goto(f"/scans/{draft.pk}/rate/k/")
    choose(page, "K2", 3)
    page.get_by_label("Comment on K2 (optional)").fill("Wrote the team's Terraform modules")
    assert state_of(page, "K2").inner_text() in ("Comment not saved yet", "Saving…", "✓ Saved")
    expect(state_of(page, "K2")).to_have_text("✓ Saved")
    assert rating_of(draft, "K2") == (3, "Wrote the team's Terraform modules")


def test_leaving_warns_while_a_comment_is_unsaved_or_a_save_failed(
    browser, live_server, draft, screenshot
):
    context = new_context(browser, live_server)
    page = context.new_page()
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    try:
        log_in(page, "apprentice@example.com")
        page.goto(f"/scans/{draft.pk}/rate/k/")
        url = page.url

        # A comment with no score cannot be saved: the page says so, and asks before leaving.
        page.get_by_label("Comment on K1 (optional)").fill("Not sure what to score")
        expect(state_of(page, "K1")).to_contain_text("Not saved")
        assert state_of(page, "K1").inner_text() == (
            "Not saved: Choose a score to go with your comment."
        )
        page.get_by_role("link", name="Your apprenticeship").click()
        page.wait_for_timeout(300)
        assert dialogs == ["beforeunload"] and page.url == url
        screenshot(page, "issue12-scan-rate-unsaved-1280")

        # The score makes the comment savable.
        choose(page, "K1", 2)
        expect(state_of(page, "K1")).to_have_text("✓ Saved")
        assert rating_of(draft, "K1") == (2, "Not sure what to score")

        # A save that fails (the connection drops) is said so, and leaving asks again.
        page.route(
            "**/rate/k/",
            lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
        )
        choose(page, "K2", 4)
        expect(state_of(page, "K2")).to_contain_text("Not saved")
        assert "the save did not go through" in page.locator("[data-scan-status]").inner_text()
        page.get_by_role("link", name="Your apprenticeship").click()
        page.wait_for_timeout(300)
        assert dialogs == ["beforeunload", "beforeunload"] and page.url == url
        assert rating_of(draft, "K2") is None

        # Once it saves, the page lets the apprentice go without asking.
        page.unroute("**/rate/k/")
        choose(page, "K2", 3)
        expect(state_of(page, "K2")).to_have_text("✓ Saved")
        page.get_by_role("link", name="Your apprenticeship").click()
        page.wait_for_url(f"**/apprenticeships/{draft.apprenticeship_id}/")
        assert len(dialogs) == 2
        assert rating_of(draft, "K2") == (3, "")
        unexpected = [e for e in context.errors if not any(x in e for x in EXPECTED_ERRORS)]
        assert unexpected == []
    finally:
        context.close()


def test_without_javascript_the_tabs_save_and_move(browser, live_server, draft, screenshot):
    context = new_context(browser, live_server, java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        log_in(page, "apprentice@example.com")
        page.goto(f"/scans/{draft.pk}/rate/s/")
        assert page.get_by_text("Your answers are saved when you press Save").is_visible()
        fits(page, PHONE["width"])
        screenshot(page, "issue12-scan-rate-nojs-375")
        for code in ("S1", "S2", "S3"):
            choose(page, code, 2)
        page.get_by_role("button", name="3. Behaviours (4)").click()
        page.wait_for_url("**/rate/b/")
        assert page.locator('[aria-current="step"]').inner_text() == "3. Behaviours (4)"
        assert [rating_of(draft, c) for c in ("S1", "S2", "S3")] == [(2, "")] * 3

        # Save comes back to the first KSB still to rate, not to the top of the page.
        choose(page, "B1", 3)
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url("**/rate/b/#B2")
        assert page.evaluate("window.scrollY") > 0
        assert page.locator("#B2").is_visible()

        # Enter in the form saves and stays.
        page.locator("#B2 input[value='1']").check()
        page.locator("#B2 input[value='1']").press("Enter")
        page.wait_for_url("**/rate/b/#B3")
        assert rating_of(draft, "B2") == (1, "")

        page.get_by_role("button", name="4. Check and submit").click()
        page.wait_for_url("**/submit/")
        assert page.get_by_role("heading", name="Skills (22)").is_visible()
        assert context.errors == []
    finally:
        context.close()


def test_check_page_and_outcome_at_both_widths(
    browser, live_server, devops, mentor, assert_accessible, screenshot
):
    earlier = timezone.now() - timedelta(days=90)
    codes = [k.code for k in devops.standard.ksbs.all()]
    make_scan(
        devops,
        status="validated",
        scores=dict.fromkeys(codes, 2),
        employer={"K1": 1, "S4": 3},
        created_at=earlier,
        submitted_at=earlier,
        validated_by=mentor,
        validated_at=earlier,
    )
    scores = dict.fromkeys(codes, 2) | {"K1": 3, "K2": 0, "S4": 1, "B3": 4}
    draft = make_scan(devops, stage="review", scores=scores)
    draft.ratings.filter(ksb__kind="B", ksb__number=3).update(comment="I mentor two juniors")
    for label, viewport in (("1280", DESKTOP), ("375", PHONE)):
        context = new_context(browser, live_server, viewport=viewport)
        page = context.new_page()
        try:
            log_in(page, "apprentice@example.com")
            page.goto(f"/scans/{draft.pk}/submit/")
            assert page.get_by_role("heading", name="Knowledge (25)").is_visible()
            k1 = page.locator("#check-K1")
            assert "Up 2 since last scan (agreed then: 1 Aware)" in k1.inner_text()
            fits(page, viewport["width"])
            assert_accessible(page)
            screenshot(page, f"issue12-scan-submit-{label}")
            k1.get_by_role("link", name="Change K1").click()
            page.wait_for_url("**/rate/k/#K1")
            assert context.errors == []
        finally:
            context.close()

    SkillScan.objects.filter(pk=draft.pk).update(
        status="validated", submitted_at=timezone.now(), validated_at=timezone.now()
    )
    draft.ratings.filter(ksb__kind="K", ksb__number=2).update(
        employer_score=2, employer_comment="You did the on-call rota training already."
    )
    for label, viewport in (("1280", DESKTOP), ("375", PHONE)):
        context = new_context(browser, live_server, viewport=viewport)
        page = context.new_page()
        try:
            log_in(page, "apprentice@example.com")
            page.goto(f"/scans/{draft.pk}/")
            section = page.locator("section", has=page.locator("#differences-heading"))
            assert "Where your employer scored you differently (1)" in section.inner_text()
            assert "You did the on-call rota training already." in section.inner_text()
            fits(page, viewport["width"])
            assert_accessible(page)
            section.scroll_into_view_if_needed()
            screenshot(page, f"issue12-scan-results-{label}")
            assert context.errors == []
        finally:
            context.close()
