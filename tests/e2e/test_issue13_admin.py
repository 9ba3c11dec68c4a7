"""Issue 13 in the admin, in a browser at desktop and phone width: the refusal of a structural
edit on a version in use, the "Copy as a new draft version" flow, and a KSB's History page
with who changed its wording and the old and new text."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, log_in, new_context

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_frozen_refusal_copy_as_draft_and_ksb_history(
    browser, live_server, devops, admin_user, screenshot, viewport
):
    from standards.models import Standard

    st0825 = devops.standard
    width = viewport["width"]
    context = new_context(browser, live_server, viewport=viewport)
    page = context.new_page()
    log_in(page, admin_user.email)

    # A KSB renumbered on a version in use: refused, with the count and the way forward.
    k3 = st0825.ksbs.get(kind="K", number=3)
    page.goto(reverse("admin:standards_ksb_change", args=[k3.pk]))
    warning = page.locator(".messagelist .warning")
    assert "ST0825 v1.0 is in use by 1 apprenticeship" in warning.inner_text()
    page.get_by_label("Number").fill("30")
    page.get_by_label("Description").fill("Infrastructure as code, reviewed as a team.")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator(".errornote + ul.errorlist, ul.errorlist.nonfield").first
    assert "cannot be added, removed, renumbered or remapped" in error.inner_text()
    screenshot(page, f"issue13-admin-frozen-refusal-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    k3.refresh_from_db()
    assert k3.number == 3

    # The wording alone is a correction: saved, and on the History page with old and new text.
    page.get_by_label("Number").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    page.goto(reverse("admin:standards_ksb_history", args=[k3.pk]))
    table = page.locator("#change-history")
    assert "Infrastructure as code, reviewed as a team." in table.inner_text()
    assert str(admin_user) in table.inner_text()
    screenshot(page, f"issue13-admin-ksb-history-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # Copy as a new draft version: select, choose the action, confirm the suggested number.
    page.goto(reverse("admin:standards_standard_changelist"))
    page.locator(f"input[name=_selected_action][value='{st0825.pk}']").check()
    page.locator("select[name=action]").select_option("copy_as_new_draft_version")
    page.locator(".actions button[type=submit]").first.click()
    version = page.get_by_label("New version number")
    assert version.input_value() == "1.1"
    version.fill("1.0")
    page.get_by_role("button", name="Copy as a new draft version").click()
    assert "must be newer than the copied one" in page.locator(".errorlist").inner_text()
    expect(page.get_by_label("New version number")).to_be_focused()  # autofocus on the error
    screenshot(page, f"issue13-admin-copy-version-{width}")
    page.get_by_label("New version number").fill("1.1")
    page.get_by_role("button", name="Copy as a new draft version").click()
    assert "Created ST0825 v1.1 as a draft copy" in page.locator(".messagelist").inner_text()
    copy = Standard.objects.get(reference="ST0825", version="1.1")
    assert page.url.endswith(reverse("admin:standards_standard_change", args=[copy.pk]))
    assert copy.status == "draft" and copy.ksbs.count() == 51
    page.screenshot(path=ARTIFACTS / f"issue13-admin-copied-draft-{width}.png")  # its top
    errors = context.errors
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"
