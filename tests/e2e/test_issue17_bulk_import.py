"""Issue 17 in a browser: a manager uploads a CSV of apprentices, checks the preview (a row
per apprentice with its result), confirms, watches the job's progress bar move to done and
downloads the result file; a manager gives selected dashboard rows a mentor. Axe runs on each
page; screenshots at 1280 and 375 px."""

from datetime import date

import pytest

from accounts import jobs
from accounts.bulk_import import bulk_enrol_preview
from accounts.models import BackgroundJob, Invitation
from accounts.rules import add_months
from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context

pytestmark = pytest.mark.django_db(transaction=True)

START = date.today().replace(day=1)
END = add_months(START, 18)
HEADER = "name,email,standard,version,start,planned_end,mentor_email,tutor_email,weekly_hours"


def _file(*lines):
    return ("\n".join([HEADER, *lines]) + "\n").encode()


GOOD = f"Ann Able,ann@example.com,ST0825,1.0,{START},{END},mentor@example.com,,30"
FORMULA = f"=HYPERLINK(1),bo@example.com,ST0825,1.0,{START},{END},,,"
WRONG_VERSION = f"Cy Cole,cy@example.com,ST0825,9.9,{START},{END},,,"
ENROLLED = f"Alex Apprentice,apprentice@example.com,ST0825,1.0,{START},{END},,,"


def _both_sizes(page, screenshot, name):
    for size, label in ((PHONE, "375"), (DESKTOP, "1280")):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")


@pytest.fixture
def manager_page(browser, live_server, devops, manager):
    context = new_context(browser, live_server)
    page = context.new_page()
    log_in(page, "manager@example.com")
    yield page
    errors = context.errors
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


def test_upload_preview_confirm_progress_and_download(
    manager_page, acme, assert_accessible, screenshot, tmp_path
):
    page = manager_page
    page.goto(acme.get_absolute_url())
    page.get_by_role("link", name="Enrol apprentices in bulk").click()
    page.wait_for_load_state()
    assert_accessible(page)
    _both_sizes(page, screenshot, "issue17-bulk-upload")
    # A file without the columns: the form again with the reason.
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "wrong.csv", "mimeType": "text/csv", "buffer": b"name,email\nA,a@b.c\n"}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_load_state()
    assert "The header row lacks standard" in page.content()
    assert_accessible(page)
    content = _file(GOOD, FORMULA, WRONG_VERSION, ENROLLED)
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url("**/bulk-enrolments/*/")
    assert_accessible(page)
    _both_sizes(page, screenshot, "issue17-bulk-preview")
    text = page.content()
    assert "2</strong> will be invited" in text and "no version 9.9" in text
    assert "already enrolled" in text
    assert not Invitation.objects.filter(email="ann@example.com").exists()
    page.get_by_role("button", name="Invite 2 apprentices").click()
    page.wait_for_url("**/jobs/*/")
    assert_accessible(page)
    _both_sizes(page, screenshot, "issue17-bulk-done")
    assert page.get_by_role("progressbar").get_attribute("value") == "100"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download bulk-enrolment").click()
    saved = tmp_path / "result.csv"
    download.value.save_as(saved)
    result = saved.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in result and "ann@example.com" in result
    assert Invitation.objects.filter(email__in=["ann@example.com", "bo@example.com"]).count() == 2


def test_the_progress_bar_follows_a_job_run_by_a_worker(
    manager_page, acme, manager, assert_accessible, screenshot
):
    """With a broker the job waits for a worker: the page polls and shows the result."""
    page = manager_page
    job = bulk_enrol_preview(
        user=manager, organisation=acme, content=_file(GOOD), filename="one.csv"
    )
    BackgroundJob.objects.filter(pk=job.pk).update(state=BackgroundJob.State.QUEUED)
    page.goto(f"/jobs/{job.pk}/")
    bar = page.get_by_role("progressbar")
    assert bar.get_attribute("value") == "0"
    assert "Queued" in page.content()
    assert_accessible(page)
    _both_sizes(page, screenshot, "issue17-job-queued")
    jobs.run(job.pk)  # the worker
    page.get_by_role("link", name="Download bulk-enrolment").wait_for(timeout=15_000)
    assert "Invited" in page.content()


def test_a_manager_assigns_a_mentor_to_selected_rows(
    manager_page, devops, mentor, manager, assert_accessible
):
    page = manager_page
    page.goto("/dashboard/")
    page.get_by_label("Select Alex Apprentice").check()
    page.get_by_role("button", name="Assign a mentor").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Mentor").select_option(label=str(manager))
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state()
    assert "is now the mentor of 1 apprenticeship" in page.content()
    devops.refresh_from_db()
    assert devops.mentor == manager
