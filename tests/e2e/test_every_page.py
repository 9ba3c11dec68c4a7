"""Every page a signed-in person reaches, on the demo data set, at phone width: a title, one
h1, a main landmark, no sideways scrolling of the page, and no axe violations."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Apprenticeship, Organisation
from skillscan.models import SkillScan
from tests.e2e.conftest import PHONE, log_in, new_context
from tests.factories import PASSWORD
from tracker.models import Evidence, ProgressReview

pytestmark = pytest.mark.django_db(transaction=True)


def pages_for():
    first = Apprenticeship.objects.get(apprentice__email="apprentice@example.com")
    second = Apprenticeship.objects.get(apprentice__email="apprentice2@example.com")
    draft = SkillScan.objects.get(apprenticeship=second, status="draft")
    initial = SkillScan.objects.get(apprenticeship=first, stage="initial")
    review_scan = SkillScan.objects.get(apprenticeship=first, stage="review")
    evidence = Evidence.objects.filter(apprenticeship=first, status="draft").first()
    review = ProgressReview.objects.filter(apprenticeship=first).first()
    acme = Organisation.objects.get(name="Acme Digital")
    pk = first.pk
    apprentice = [
        first.get_absolute_url(),
        reverse("tracker:evidence-list", kwargs={"pk": pk}),
        reverse("tracker:evidence-create", kwargs={"pk": pk}),
        evidence.get_absolute_url(),
        reverse("tracker:evidence-update", kwargs={"pk": evidence.pk}),
        reverse("tracker:evidence-delete", kwargs={"pk": evidence.pk}),
        reverse("tracker:duty-list", kwargs={"pk": pk}),
        reverse("tracker:duty-detail", kwargs={"pk": pk, "number": 1}),
        reverse("tracker:hours", kwargs={"pk": pk}),
        reverse("tracker:plan", kwargs={"pk": pk}),
        reverse("tracker:progress-review-list", kwargs={"pk": pk}),
        review.get_absolute_url(),
        initial.get_absolute_url(),
        reverse("skillscan:scan-history", kwargs={"pk": pk}),
        reverse("progress:portfolio", kwargs={"pk": pk}),
        reverse("accounts:profile"),
        reverse("accounts:account-delete"),
        reverse("standards:standard-list"),
        "/accounts/password/change/",
        "/accounts/email/",
        reverse("notify:inbox"),
        reverse("notify:preferences"),
    ]
    beginner = [
        reverse("skillscan:scan-rate", kwargs={"pk": draft.pk, "section": "s"}),
        reverse("skillscan:scan-submit", kwargs={"pk": draft.pk}),
    ]
    manager = [
        reverse("progress:dashboard"),
        reverse("progress:evidence-queue"),
        reverse("skillscan:validation-queue"),
        reverse("progress:scan-validate", kwargs={"pk": review_scan.pk}),
        reverse("tracker:progress-review-create", kwargs={"pk": pk}),
        reverse("tracker:duty-sign-off", kwargs={"pk": pk, "number": 4}),
        reverse("progress:gateway", kwargs={"pk": pk}),
        acme.get_absolute_url(),
        reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk}),
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        reverse("accounts:apprenticeship-edit", kwargs={"pk": pk}),
        reverse("accounts:apprenticeship-status", kwargs={"pk": pk}),
        reverse("accounts:organisation-create"),
        reverse("notify:inbox"),
        reverse("notify:preferences"),
    ]
    return {
        "apprentice@example.com": apprentice,
        "apprentice2@example.com": beginner,
        "manager@example.com": manager,
    }


def test_every_page_reads_at_phone_width(
    browser, live_server, transactional_db, media, assert_accessible
):
    call_command("seed_demo", force=True, password=PASSWORD, stdout=None)
    problems = []
    for email, urls in pages_for().items():
        context = new_context(browser, live_server, viewport=PHONE, is_mobile=True)
        page = context.new_page()
        try:
            log_in(page, email)
            for url in urls:
                response = page.goto(url)
                assert response.status == 200, f"{email} {url}: {response.status}"
                title = page.title()
                h1 = page.locator("h1").count()
                main = page.locator("main").count()
                width = page.evaluate("document.documentElement.scrollWidth")
                if not title or h1 != 1 or main != 1 or width > PHONE["width"]:
                    problems.append(f"{url}: title={title!r} h1={h1} main={main} width={width}")
                assert_accessible(page)
            assert context.errors == []
        finally:
            context.close()
    assert problems == []
