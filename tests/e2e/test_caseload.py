"""Issue 16: the training provider's caseload on the demo data set (Northwind Training delivers
Acme Digital's apprenticeships, all tutored by its tutor). Its tutor and manager land on it, the
manager filters by employer and tutor; axe checks it at desktop and phone width, where the table
scrolls in its own region and the page never sideways."""

import pytest
from django.core.management import call_command

from accounts.models import Apprenticeship
from demo.providers import PROVIDER_MANAGER, TUTOR
from tests.e2e.conftest import log_in
from tests.e2e.test_dashboards import check_widths
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", force=True, password=PASSWORD, apprentices=30, stdout=None)


def test_the_tutor_lands_on_their_caseload(page, demo, assert_accessible):
    log_in(page, TUTOR)
    page.wait_for_url("**/caseload/")
    tutored = Apprenticeship.objects.filter(tutor__email=TUTOR).count()
    assert tutored > 30
    assert f"{tutored}\napprenticeships" in page.locator(".dashboard-counts").inner_text()
    assert page.get_by_label("Tutor").count() == 0  # their own caseload: no tutor filter
    assert_accessible(page)


def test_the_provider_manager_filters_at_every_width(
    browser, live_server, page, demo, assert_accessible, screenshot
):
    log_in(page, PROVIDER_MANAGER)
    page.wait_for_url("**/caseload/")
    page.get_by_label("Employer").select_option(label="Acme Digital")
    page.get_by_label("Tutor").select_option(label="Tomi Tutor")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**employer=**")
    cells = page.locator(".dashboard-table tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and all(cell.startswith("Acme Digital") for cell in cells)
    assert all("Tutor: Tomi Tutor" in cell for cell in cells)
    assert_accessible(page)
    check_widths(
        browser,
        live_server,
        PROVIDER_MANAGER,
        "/caseload/?sort=-review&attention=1",
        "provider-caseload",
        assert_accessible,
        screenshot,
    )
