"""The error pages in a browser: the apprentice who opens the gateway page (the employer's) gets
a 403 in the site's layout that says who may and offers a way back; a missing page is a 404
likewise. Both axe-clean at desktop and phone width."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_apprentice_on_the_gateway_page_sees_a_403_with_a_way_back(
    browser, live_server, apprenticeship, assert_accessible, screenshot, viewport
):
    context = new_context(browser, live_server, viewport=viewport)
    page = context.new_page()
    log_in(page, "apprentice@example.com")
    home = apprenticeship.get_absolute_url()
    page.goto(home)
    gateway = reverse("progress:gateway", args=[apprenticeship.pk])
    response = page.goto(gateway, referer=live_server.url + home)  # as if by a link
    assert response.status == 403
    assert page.title() == "You cannot do that · Skills Tracker"
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "You cannot do that here"
    assert "may mark the apprenticeship at gateway" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Skills Tracker").is_visible()
    assert_accessible(page)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= viewport["width"], "no sideways scrolling"
    screenshot(page, f"issue12-error-403-{viewport['width']}")

    page.get_by_role("link", name="Go back to the previous page").click()
    page.wait_for_load_state()
    assert page.url.endswith(home)

    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert_accessible(page)
    screenshot(page, f"issue12-error-404-{viewport['width']}")
    page.get_by_role("link", name="Go to your home page").click()
    page.wait_for_load_state()
    assert page.url.endswith("/home/") or page.url.endswith(home)

    errors = [e for e in context.errors if "status of 403" not in e and "status of 404" not in e]
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"
