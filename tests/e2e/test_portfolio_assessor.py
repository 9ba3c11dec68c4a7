"""Issue 17: the portfolio an assessor can use, in the browser, on the month-22 demo apprentice:
the page at desktop and phone width (axe on each), then "Build zip", its progress page and the
download."""

import zipfile

import pytest
from django.core.management import call_command

from accounts.models import Apprenticeship
from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def near(transactional_db, media):
    call_command("seed_demo", force=True, password=PASSWORD, stdout=None)
    return Apprenticeship.objects.get(apprentice__email="apprentice3@example.com")


def test_the_portfolio_and_its_zip(browser, live_server, near, assert_accessible, screenshot):
    url = f"/apprenticeships/{near.pk}/portfolio/"
    for label, viewport in (("1280", DESKTOP), ("375", PHONE)):
        context = new_context(browser, live_server, viewport=viewport)
        page = context.new_page()
        try:
            log_in(page, "manager@example.com")
            page.goto(url)
            assert page.locator(".portfolio-item").count() == 20
            assert page.locator(".matrix-table tbody tr").count() == 51
            assert page.locator(".duty-table tbody tr").count() == 13
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            assert_accessible(page)
            screenshot(page, f"portfolio-assessor-{label}")
            if label == "1280":
                page.get_by_role("button", name="Build zip with the files").click()
                page.wait_for_url("**/jobs/*/")
                assert page.get_by_role("heading", name="Portfolio zip").is_visible()
                link = page.get_by_role("link", name="Download portfolio-")
                link.wait_for()
                assert_accessible(page)
                screenshot(page, "portfolio-zip-job-1280")
                with page.expect_download() as download:
                    link.click()
                names = zipfile.ZipFile(download.value.path()).namelist()
                assert "index.csv" in names and any(n.endswith(".pdf") for n in names)
            assert context.errors == []
        finally:
            context.close()
