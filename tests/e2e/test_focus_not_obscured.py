"""WCAG 2.2 SC 2.4.11 Focus Not Obscured: tabbing through the long forms with a bar of buttons
(the scan, its validation, the evidence form), every focused control is the top element at its
own centre once the browser has scrolled it into view, at desktop and at phone width."""

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import ApprenticeshipFactory, make_scan

pytestmark = pytest.mark.django_db(transaction=True)

# For the focused element: is it visible, and is it (or something inside it) the element drawn
# on top at the centre of its box? Returns a description of what covers it, or "" when nothing.
COVERED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return "";
  const x = box.left + box.width / 2, view = document.documentElement;
  if (box.top + 2 < 0 || box.top + 2 > view.clientHeight || x < 0 || x > view.clientWidth) {
    return "off screen at " + Math.round(x) + "," + Math.round(box.top);
  }
  // Its top edge, centre and bottom edge, where the browser has brought them into view (for a
  // text box it brings the caret's line into view, which may leave its bottom below the fold).
  for (const y of [box.top + 2, box.top + box.height / 2, box.bottom - 2]) {
    if (y >= view.clientHeight - 1) continue;
    const top = document.elementFromPoint(x, y);
    const mine = top && (top === el || el.contains(top) ||
      (el.labels && [...el.labels].some(label => label === top || label.contains(top))));
    if (!mine) return top ? (top.className || top.tagName) : "nothing";
  }
  return "";
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  return el.tagName + (el.name ? "[" + el.name + "]" : "") + (el.id ? "#" + el.id : "");
}"""


def covered_focus_stops(page, limit=400):
    """Tab through the page from its top to the end of <main>; the focus stops inside it whose
    centre is covered, as (control, what covers it)."""
    page.evaluate("() => document.getElementById('main').focus()")
    covered, seen = [], 0
    for _ in range(limit):
        page.keyboard.press("Tab")
        if not page.evaluate(
            "() => document.getElementById('main').contains(document.activeElement)"
        ):
            break
        seen += 1
        cover = page.evaluate(COVERED)
        if cover:
            covered.append((page.evaluate(FOCUSED), cover))
    assert seen > 5, f"only {seen} focus stops on {page.url}"
    return covered


@pytest.fixture
def pages(devops, mentor, other_apprentice):
    draft = make_scan(devops, status="draft", scores={"K1": 2, "K2": 3})
    second = ApprenticeshipFactory(
        apprentice=other_apprentice,
        standard=devops.standard,
        organisation=devops.organisation,
        mentor=mentor,
        start_date=devops.start_date,
        planned_end_date=devops.planned_end_date,
        status="active",
    )
    submitted = make_scan(second, status="submitted")
    return {
        "apprentice": [
            f"/scans/{draft.pk}/rate/k/",
            f"/scans/{draft.pk}/rate/s/",
            f"/apprenticeships/{devops.pk}/evidence/new/",
        ],
        "mentor": [f"/scans/{submitted.pk}/validate/"],
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_focused_control_is_hidden_under_the_save_bar(browser, live_server, pages, viewport):
    for email, role in [("apprentice@example.com", "apprentice"), ("mentor@example.com", "mentor")]:
        context = new_context(browser, live_server, viewport=viewport)
        page = context.new_page()
        log_in(page, email)
        for url in pages[role]:
            page.goto(url)
            assert page.locator("h1").count() == 1, url
            covered = covered_focus_stops(page)
            assert covered == [], f"{url} at {viewport['width']} px: {covered[:5]} ({len(covered)})"
        context.close()
        assert context.errors == []
