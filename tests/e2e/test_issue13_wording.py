"""Issue 13 in the browser: an admin corrects K3's words in the admin; the apprentice's
validated scan and accepted evidence still show the words they were made against, with
"wording since changed" and the current words one click away. Axe checks each page;
screenshots at 1280 and 375 px."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tracker.models import EvidenceFeedback

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "Continuous integration and delivery, corrected in the admin."


def test_old_records_keep_k3s_old_words_after_an_admin_edit(
    browser, live_server, page, devops, admin_user, assert_accessible, screenshot
):
    from tests.factories import EvidenceFactory, make_scan

    k3 = devops.standard.ksbs.get(kind="K", number=3)
    old = k3.description
    month_ago = timezone.now() - timedelta(days=30)
    scan = make_scan(
        devops,
        status="validated",
        created_at=month_ago,
        submitted_at=month_ago,
        validated_at=month_ago,
    )
    evidence = EvidenceFactory(
        apprenticeship=devops,
        title="Pipeline for the payments API",
        status="accepted",
        occurred_on=devops.start_date,
        ksbs=[k3],
    )
    EvidenceFeedback.objects.create(evidence=evidence, decision="accepted")

    admin = new_context(browser, live_server).new_page()
    try:
        log_in(admin, admin_user.email)
        admin.goto(reverse("admin:standards_ksb_change", args=[k3.pk]))
        admin.get_by_label("Description").fill(NEW)
        admin.get_by_role("button", name="Save", exact=True).click()
        admin.wait_for_load_state()
        assert "was changed successfully" in admin.content()
    finally:
        admin.context.close()

    log_in(page, "apprentice@example.com")
    for name, url, anchor in (
        ("scan-results", scan.get_absolute_url(), "#row-K3"),
        ("evidence", evidence.get_absolute_url(), ".evidence-ksbs"),
    ):
        page.goto(url)
        where = page.locator(anchor)
        assert old in where.inner_text()
        assert "wording since changed" in where.inner_text()
        assert NEW not in where.inner_text()  # behind "Current wording", closed
        summary = where.get_by_text("Current wording")
        summary.focus()
        page.keyboard.press("Enter")
        assert NEW in where.inner_text()
        assert_accessible(page)
        for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
            page.set_viewport_size(size)
            where.scroll_into_view_if_needed()
            screenshot(page, f"issue13-wording-{name}-{label}")
            page.screenshot(path=f"test-artifacts/issue13-wording-{name}-{label}-view.png")
        page.set_viewport_size(DESKTOP)
