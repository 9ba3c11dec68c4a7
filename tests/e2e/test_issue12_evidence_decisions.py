"""Issue 12, item 11 in the browser: the mentor accepts two of three KSBs of a piece of evidence
with a reason for the third, the apprentice sees each KSB's outcome and replies on the thread;
the queue says how long each piece has waited. Axe checks every page; screenshots at 1280 and
375 px."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tracker.models import Evidence, EvidenceKSB

pytestmark = pytest.mark.django_db(transaction=True)

CODES = ("K1", "K2", "S1")


def _ksbs(standard):
    return [standard.ksbs.get(kind=code[0], number=int(code[1:])) for code in CODES]


def test_mentor_accepts_two_of_three_ksbs_and_the_apprentice_replies(
    browser, live_server, page, devops, assert_accessible, screenshot
):
    from tests.factories import EvidenceFactory

    evidence = EvidenceFactory(
        apprenticeship=devops,
        title="Blue-green deploy of the payments API",
        status="submitted",
        submitted_at=timezone.now() - timedelta(days=6),
        occurred_on=devops.start_date,
        ksbs=_ksbs(devops.standard),
    )
    EvidenceFactory(
        apprenticeship=devops,
        title="Read up on the test pyramid",
        status="submitted",
        submitted_at=timezone.now(),
        occurred_on=devops.start_date,
        ksbs=_ksbs(devops.standard)[:1],
    )
    k1, k2, s1 = _ksbs(devops.standard)

    mentor_context = new_context(browser, live_server)
    mentor = mentor_context.new_page()
    try:
        log_in(mentor, "mentor@example.com")
        mentor.goto("/evidence/to-review/")
        rows = mentor.locator("tbody tr")
        assert "waiting 6 days" in rows.nth(0).inner_text()
        assert "sent today" in rows.nth(1).inner_text()
        assert_accessible(mentor)
        screenshot(mentor, "issue12-queue-1280")
        mentor.set_viewport_size(PHONE)
        screenshot(mentor, "issue12-queue-375")
        mentor.set_viewport_size(DESKTOP)

        mentor.get_by_role("link", name="Blue-green deploy of the payments API").click()
        mentor.wait_for_load_state()
        assert "(waiting 6 days)" in mentor.content()
        # Every KSB starts ticked; its reason box shows only once it is unticked.
        reason = mentor.get_by_label("Why K2 is not shown")
        assert not reason.is_visible()
        mentor.get_by_label("Accept", exact=True).check()
        mentor.locator(f"#{'id_ksbs_1'}").uncheck()
        assert reason.is_visible()
        assert_accessible(mentor)
        mentor.get_by_role("button", name="Send your review").click()
        assert "Say why K2 is not shown." in mentor.get_by_role("alert").inner_text()
        assert_accessible(mentor)
        mentor.get_by_label("Why K2 is not shown").fill(
            "The write-up does not show the rollback being tested."
        )
        mentor.get_by_role("button", name="Send your review").click()
        mentor.wait_for_url("**/evidence/to-review/")
        assert "Evidence accepted." in mentor.content()
        assert mentor_context.errors == []
    finally:
        mentor_context.close()

    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.ACCEPTED
    flags = dict(EvidenceKSB.objects.filter(evidence=evidence).values_list("ksb_id", "accepted"))
    assert flags == {k1.pk: True, k2.pk: False, s1.pk: True}

    log_in(page, "apprentice@example.com")
    page.goto(f"/evidence/{evidence.pk}/")
    ksbs = page.locator(".evidence-ksbs li")
    assert "✓ accepted" in ksbs.nth(0).inner_text()
    assert "not accepted: The write-up does not show the rollback" in ksbs.nth(1).inner_text()
    page.get_by_label("Your reply").fill("I tested it on staging: the run is linked now.")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_load_state()
    assert "Reply added." in page.content()
    history = page.locator(".evidence-history > li")
    assert "Reply by" in history.last.inner_text()
    assert "I tested it on staging" in history.last.inner_text()
    assert_accessible(page)
    screenshot(page, "issue12-evidence-decided-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "issue12-evidence-decided-375")
    page.set_viewport_size(DESKTOP)

    page.goto(f"/apprenticeships/{devops.pk}/portfolio/")
    assert_accessible(page)


def test_the_review_form_at_phone_width(
    browser, live_server, devops, assert_accessible, screenshot
):
    from tests.factories import EvidenceFactory

    evidence = EvidenceFactory(
        apprenticeship=devops,
        title="Incident review write-up",
        status="submitted",
        submitted_at=timezone.now() - timedelta(days=1),
        occurred_on=devops.start_date,
        ksbs=_ksbs(devops.standard),
    )
    context = new_context(browser, live_server, viewport=PHONE)
    mentor = context.new_page()
    try:
        log_in(mentor, "mentor@example.com")
        mentor.goto(f"/evidence/{evidence.pk}/")
        mentor.get_by_label("Accept", exact=True).check()
        mentor.locator("#id_ksbs_2").uncheck()
        assert_accessible(mentor)
        width = mentor.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width} px wide at 375 px"
        screenshot(mentor, "issue12-evidence-review-375")
        mentor.set_viewport_size(DESKTOP)
        screenshot(mentor, "issue12-evidence-review-1280")
        # Asking for changes hides the KSBs: they are not decided on then.
        mentor.get_by_label("Ask for changes").check()
        assert not mentor.locator(".decision-ksbs").is_visible()
        assert context.errors == []
    finally:
        context.close()
