"""Issue 12, item 9: the mentor validates a review scan seeing, beside each KSB, the score
agreed last time, the change since and the evidence accepted for it, in the scan's sections.
Axe-clean, and looked at on a desktop and a phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from skillscan.models import SkillScan
from tests.e2e.conftest import PHONE, log_in
from tests.factories import EvidenceFactory, make_scan
from tracker.models import Evidence

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def review_scan(devops):
    earlier = timezone.now() - timedelta(days=90)
    scores = {ksb.code: 2 for ksb in devops.standard.ksbs.all()}
    make_scan(
        devops,
        status="validated",
        scores={**scores, "K1": 1},
        employer={"K1": 2},
        created_at=earlier,
        submitted_at=earlier,
        validated_at=earlier,
    )
    k1 = devops.standard.ksbs.get(kind="K", number=1)
    evidence = EvidenceFactory(
        apprenticeship=devops,
        status="accepted",
        title="Rebuilt the deployment pipeline with a canary stage",
        ksbs=[k1],
    )
    Evidence.ksbs.through.objects.filter(evidence=evidence).update(accepted=True)
    return make_scan(devops, stage="review", status="submitted", scores={**scores, "K1": 4})


def test_mentor_validates_with_previous_scores_and_evidence_in_sight(
    page, review_scan, assert_accessible, screenshot
):
    log_in(page, "mentor@example.com")
    page.goto(f"/scans/{review_scan.pk}/validate/")
    assert_accessible(page)

    contents = page.get_by_role("navigation", name="Sections of the scan")
    assert contents.inner_text().split("\n") == [
        "Knowledge: 0 of 25 reviewed",
        "Skills: 0 of 22 reviewed",
        "Behaviours: 0 of 4 reviewed",
    ]
    assert page.get_by_role("heading", name="Skills 0 of 22 reviewed").is_visible()
    k1 = page.locator("fieldset#K1")
    assert "Agreed last time" in k1.inner_text()
    assert "2 Developing; now 4: up 2" in k1.inner_text()
    evidence_link = k1.get_by_role(
        "link", name="Rebuilt the deployment pipeline with a canary stage"
    )
    assert evidence_link.is_visible()
    screenshot(page, "issue12-scan-validate-1280")

    # The contents list jumps to a section.
    contents.get_by_role("link", name="Behaviours").click()
    assert page.url.endswith("#section-b")

    # A score 2+ away from the apprentice's needs a comment; what was typed stays.
    page.get_by_label("Your score for K1", exact=True).select_option("1")  # apprentice said 4
    page.get_by_label("Your comment on S1", exact=True).fill("Pairs on this well")
    page.get_by_role("button", name="Validate the scan").click()
    assert "explain why before validating" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Your comment on S1", exact=True).input_value() == "Pairs on this well"
    assert "2 of 51 KSBs reviewed" in page.content()
    assert_accessible(page)

    page.get_by_label("Your comment on K1", exact=True).fill("Still learning canary releases.")
    page.get_by_role("button", name="Validate the scan").click()
    # (the browser keeps the #section-b fragment across the redirect)
    page.wait_for_url(re.compile(rf"/scans/{review_scan.pk}/(#.*)?$"))
    assert "Validated" in page.content()
    review_scan.refresh_from_db()
    assert review_scan.status == SkillScan.Status.VALIDATED


def test_the_validation_page_on_a_phone(
    browser, live_server, review_scan, assert_accessible, screenshot
):
    from tests.e2e.conftest import new_context

    context = new_context(browser, live_server, viewport=PHONE)
    page = context.new_page()
    try:
        log_in(page, "mentor@example.com")
        page.goto(f"/scans/{review_scan.pk}/validate/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide on a phone"
        assert page.locator("fieldset#K1").get_by_role("link").first.is_visible()
        assert_accessible(page)
        screenshot(page, "issue12-scan-validate-375")
        assert context.errors == []
    finally:
        context.close()
