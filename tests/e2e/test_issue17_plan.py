"""Issue 17's training plan in a browser: the tutor proposes a plan from the validated scan and
changes an activity; the tutor, the mentor and the apprentice sign it; the apprentice carries
an activity into a draft of evidence. Axe runs on each page; screenshots at 1280 and 375 px."""

import pytest

from accounts.models import Apprenticeship, Membership
from tests.conftest import verified_user
from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import MembershipFactory, PartnershipFactory, ProviderFactory, make_scan
from tracker.models import Evidence, PlanSignature, TrainingPlan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scanned(devops, acme):
    northwind = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=northwind)
    tutor = verified_user("tutor@example.com", "Tomi Tutor")
    MembershipFactory(user=tutor, organisation=northwind, role=Membership.Role.TUTOR)
    Apprenticeship.objects.filter(pk=devops.pk).update(provider=northwind, tutor=tutor)
    devops.refresh_from_db()
    make_scan(devops, status="validated")
    return devops


def _both_sizes(page, screenshot, name):
    for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def _sign(page, statement):
    page.get_by_label(statement).check()
    page.get_by_role("button", name="Sign the plan").click()
    page.wait_for_load_state()


def test_a_plan_is_proposed_changed_signed_and_carried_into_evidence(
    browser, live_server, scanned, assert_accessible, screenshot
):
    contexts = []

    def as_person(email):
        context = new_context(browser, live_server)
        contexts.append(context)
        page = context.new_page()
        log_in(page, email)
        return page

    plan_url = f"/apprenticeships/{scanned.pk}/plan/"
    try:
        tutor = as_person("tutor@example.com")
        tutor.goto(f"/apprenticeships/{scanned.pk}/")
        tutor.get_by_role("link", name="The training plan").click()
        tutor.wait_for_load_state()
        assert_accessible(tutor)
        tutor.get_by_role("button", name="Propose a plan from the scan").click()
        tutor.wait_for_load_state()
        assert "Plan proposed" in tutor.content()
        plan = TrainingPlan.objects.get(apprenticeship=scanned)
        first = plan.activities.order_by("starts_on", "position").first()
        assert_accessible(tutor)
        _both_sizes(tutor, screenshot, "issue17-plan-proposed")

        # Change the first activity: a mistake first (it ends before it starts).
        tutor.get_by_role("link", name=f"Change {first.title}").click()
        tutor.wait_for_load_state()
        assert_accessible(tutor)
        tutor.get_by_label("Planned end").fill("2026-09-01")
        tutor.get_by_label("Planned start").fill("2026-09-02")
        tutor.get_by_role("button", name="Save the activity").click()
        tutor.wait_for_load_state()
        assert "The activity ends on or after the day it starts." in tutor.content()
        assert_accessible(tutor)
        tutor.get_by_label("Planned start").fill(first.starts_on.isoformat())
        tutor.get_by_label("Planned end").fill(first.ends_on.isoformat())
        tutor.get_by_label("Planned off-the-job hours").fill("30")
        tutor.get_by_role("button", name="Save the activity").click()
        tutor.wait_for_url(f"**{plan_url}")
        assert f"Changed “{first.title}”: hours" in tutor.content()

        # The remove page asks first; keep it.
        tutor.get_by_role("link", name=f"Remove {first.title}").click()
        tutor.wait_for_load_state()
        assert_accessible(tutor)
        tutor.get_by_role("link", name="Keep it").click()
        tutor.wait_for_url(f"**{plan_url}")

        _sign(tutor, "I agree to this training plan and will deliver the training it sets out.")
        assert "You have signed the plan." in tutor.content()

        mentor = as_person("mentor@example.com")
        mentor.goto(plan_url)
        _sign(mentor, "I agree to this training plan and will give the time and support it needs.")

        apprentice = as_person("apprentice@example.com")
        apprentice.goto(plan_url)
        assert_accessible(apprentice)
        _sign(apprentice, "I agree to this training plan and will take part in its activities.")
        assert "the plan is agreed" in apprentice.content()
        assert PlanSignature.objects.filter(plan=plan, voided_at__isnull=True).count() == 3
        assert_accessible(apprentice)
        _both_sizes(apprentice, screenshot, "issue17-plan-agreed")

        # Done: the first activity becomes a draft of evidence with its title, KSBs and hours.
        apprentice.get_by_role("button", name=f"Done: log it as evidence ({first.title})").click()
        apprentice.wait_for_url("**/evidence/*/edit/")
        assert_accessible(apprentice)
        evidence = Evidence.objects.get(apprenticeship=scanned, title=first.title)
        assert evidence.status == "draft" and evidence.off_the_job_hours == 24
        assert apprentice.get_by_label("Title").input_value() == first.title
        assert set(evidence.ksbs.all()) == set(first.ksbs.all())
        apprentice.goto(plan_url)
        draft = apprentice.get_by_role("link", name=f"Evidence for {first.title}")
        assert draft.is_visible()
        for context in contexts:
            assert context.errors == []
    finally:
        for context in contexts:
            context.close()
