"""The tracker end to end: the apprentice logs evidence with a file and the KSBs of a duty and
submits it; the mentor asks for changes; the apprentice edits and resubmits; the mentor accepts
it and signs the duty off; the duty page and the hours page show it. Axe checks every page."""

import pytest

from tests.e2e.conftest import log_in, new_context
from tracker.models import DutySignOff, Evidence

pytestmark = pytest.mark.django_db(transaction=True)

DUTY = 11  # ST0825's duty 11 draws on 11 KSBs


def test_evidence_review_sign_off_and_hours(
    browser, live_server, page, devops, tmp_path, assert_accessible, screenshot
):
    report = tmp_path / "Horizon scanning notes.pdf"
    report.write_bytes(b"%PDF-1.4\n%%EOF\n")

    log_in(page, "apprentice@example.com")
    page.wait_for_url(f"**/apprenticeships/{devops.pk}/")
    page.get_by_role("link", name="Log evidence").first.click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Meetup talk on platform engineering")
    page.get_by_label("Off-the-job hours").fill("3.5")
    page.get_by_label("Activity").select_option("self_study")
    page.get_by_label("Description").fill("Went to the DevOps meetup and wrote up what I learnt.")
    page.get_by_label("Link").fill("https://github.com/acme-digital/notes/pull/7")
    page.get_by_label("File").set_input_files(str(report))
    # The picker's duty filter (a progressive enhancement) narrows the list to duty 11.
    page.get_by_label("Show the KSBs of a duty").select_option(str(DUTY))
    visible = page.locator(".ksb-choice:not([hidden]) input[type=checkbox]")
    assert visible.count() == 11
    for index in range(visible.count()):
        visible.nth(index).check()
    assert "11 of 51 KSBs shown" in page.locator("[data-picker-count]").inner_text()
    page.get_by_role("button", name="Save and submit for review").click()
    page.wait_for_url("**/evidence/*/")
    assert "Waiting for review" in page.content()
    assert "Pull request #7 in acme-digital/notes" in page.content()
    assert_accessible(page)
    evidence = Evidence.objects.get()
    assert evidence.ksbs.count() == 11 and evidence.attachment_name == report.name

    mentor_context = new_context(browser, live_server)
    mentor = mentor_context.new_page()
    try:
        log_in(mentor, "mentor@example.com")
        mentor.goto("/evidence/to-review/")
        assert_accessible(mentor)
        mentor.get_by_role("link", name="Meetup talk on platform engineering").click()
        mentor.get_by_label("Ask for changes").check()
        mentor.get_by_role("button", name="Send your review").click()
        assert "Say what should change." in mentor.get_by_role("alert").inner_text()
        assert_accessible(mentor)
        mentor.get_by_label("Ask for changes").check()
        mentor.get_by_label("Comment").fill("Add the two things you will try at work.")
        mentor.get_by_role("button", name="Send your review").click()
        mentor.wait_for_load_state()
        assert "Changes requested" in mentor.content()

        page.goto(f"/apprenticeships/{devops.pk}/")
        assert "your mentor asked for changes" in page.content()
        assert_accessible(page)
        page.get_by_role("link", name="Meetup talk on platform engineering").first.click()
        page.get_by_role("link", name="Edit").click()
        page.wait_for_load_state()
        assert "Add the two things you will try at work." in page.content()
        page.get_by_label("Description").fill(
            "Went to the meetup. At work I will try golden paths and a platform team charter."
        )
        page.get_by_role("button", name="Save and submit for review").click()
        page.wait_for_url("**/evidence/*/")
        assert "Waiting for review" in page.content()

        mentor.goto(f"/evidence/{evidence.pk}/")
        mentor.get_by_label("Accept").check()
        mentor.get_by_role("button", name="Send your review").click()
        mentor.wait_for_url("**/evidence/to-review/")
        assert "Evidence accepted." in mentor.content()

        mentor.goto(f"/apprenticeships/{devops.pk}/duties/{DUTY}/")
        assert "11 of 11 KSBs evidenced" in mentor.content()
        assert_accessible(mentor)
        mentor.get_by_role("link", name="Sign off this duty").click()
        assert_accessible(mentor)
        mentor.get_by_label("Note").fill("Shares what they learn with the whole team.")
        mentor.get_by_role("button", name=f"Sign off duty {DUTY}").click()
        mentor.wait_for_load_state()
        assert f"Duty {DUTY} signed off." in mentor.content()
        assert_accessible(mentor)
        assert mentor_context.errors == []
    finally:
        mentor_context.close()

    sign_off = DutySignOff.objects.get(apprenticeship=devops, duty__number=DUTY)
    assert sign_off.action == "signed_off"
    page.goto(f"/apprenticeships/{devops.pk}/duties/")
    assert_accessible(page)
    row = page.get_by_role("row", name=f"Duty {DUTY}")
    assert "Signed off" in row.inner_text() and "11 of 11 KSBs evidenced" in row.inner_text()
    page.goto(f"/apprenticeships/{devops.pk}/hours/")
    assert "3.50 of" in page.content()
    assert_accessible(page)
    screenshot(page, "hours")
    page.goto(f"/apprenticeships/{devops.pk}/evidence/")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Meetup talk on platform engineering").click()
        page.get_by_role("link", name=report.name).click()
    assert download.value.suggested_filename == report.name
