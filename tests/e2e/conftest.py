"""Browser tests: Playwright drives the system's Chromium against Django's live server.

Where Chromium is missing they skip with the reason; with E2E_REQUIRED=1 (CI) a missing
Chromium fails them instead, so a green run always includes the browser."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made from
# that thread (fixtures, assertions) are safe here because nothing else runs concurrently.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        reason = "Chromium is not installed (apt-get install chromium), so browser tests cannot run"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"E2E_REQUIRED=1 but {reason}.")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_context(browser, live_server, **options):
    """A browser context on the live server whose pages record console errors (a script or
    style refused by the Content-Security-Policy, a missing file) in ``context.errors``.
    Reduced motion turns off Bootstrap's smooth scrolling, so in-page jumps land at once."""
    context = browser.new_context(
        base_url=live_server.url, reduced_motion="reduce", **{"viewport": DESKTOP, **options}
    )
    context.set_default_timeout(10_000)
    context.errors = []
    context.on(
        "console",
        lambda message: message.type == "error" and context.errors.append(message.text),
    )
    return context


@pytest.fixture
def page(browser, live_server):
    context = new_context(browser, live_server)
    page = context.new_page()
    yield page
    errors = context.errors
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


@pytest.fixture
def assert_accessible():
    """Run axe-core on the page; fail with its report if it finds any violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


@pytest.fixture
def screenshot():
    """Save a screenshot under test-artifacts/ for a human to look at."""

    def save(page, name):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    return save


def log_in(page, email, password=None):
    """Log in through the login form, as a person would."""
    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


@pytest.fixture
def devops(transactional_db, media, acme, apprentice, mentor):
    """The apprentice on the real ST0825 (51 KSBs, 13 duties), mentored by the mentor."""
    from datetime import date

    from django.core.management import call_command

    from accounts.models import Apprenticeship
    from standards.models import Standard

    call_command("loaddata", "st0825", verbosity=0)
    return Apprenticeship.objects.create(
        apprentice=apprentice,
        standard=Standard.objects.get(reference="ST0825"),
        organisation=acme,
        mentor=mentor,
        start_date=date(2026, 9, 1),
        planned_end_date=date(2028, 8, 31),
        status="active",
    )
