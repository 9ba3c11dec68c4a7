"""Issue 17's assessor hand-off in a browser: the tutor invites an end-point assessor onto an
apprenticeship at gateway, the assessor opens the e-mail's link, creates an account and
accepts, sees the portfolio and downloads an evidence file, and is refused the scan and hours
pages; the tutor then sees what they viewed. Axe runs on each page."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile

from accounts.models import Apprenticeship, AssessorView, Membership
from accounts.status import gateway_declare
from tests.conftest import verified_user
from tests.e2e.conftest import DESKTOP, PHONE, log_in, new_context
from tests.factories import (
    PASSWORD,
    EvidenceFactory,
    MembershipFactory,
    PartnershipFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def at_gateway(devops, acme, mentor, monkeypatch):
    from accounts import status

    northwind = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=northwind)
    tutor = verified_user("tutor@example.com", "Tomi Tutor")
    MembershipFactory(user=tutor, organisation=northwind, role=Membership.Role.TUTOR)
    Apprenticeship.objects.filter(pk=devops.pk).update(provider=northwind, tutor=tutor)
    devops.refresh_from_db()
    # The checklist's lines are tested elsewhere: here it holds.
    monkeypatch.setitem(status._GUARDS, Apprenticeship.Status.GATEWAY, [])
    gateway_declare(apprenticeship=devops, by=mentor)
    gateway_declare(apprenticeship=devops, by=tutor)
    EvidenceFactory(
        apprenticeship=devops,
        title="Blue-green deployment",
        status="accepted",
        ksbs=[devops.standard.ksbs.first()],
        attachment=ContentFile(b"%PDF-1.4 runbook", name="runbook.pdf"),
        attachment_name="runbook.pdf",
        attachment_type="application/pdf",
    )
    return devops


def test_the_tutor_invites_the_assessor_who_sees_the_portfolio_only(
    browser, live_server, at_gateway, assert_accessible, screenshot
):
    pk = at_gateway.pk
    tutor_context = new_context(browser, live_server)
    assessor_context = new_context(browser, live_server)
    try:
        tutor = tutor_context.new_page()
        log_in(tutor, "tutor@example.com")
        tutor.goto(f"/apprenticeships/{pk}/assessors/")
        assert_accessible(tutor)
        tutor.get_by_role("link", name="Invite an assessor").click()
        tutor.wait_for_load_state()
        assert_accessible(tutor)
        tutor.get_by_label("Assessor's e-mail address").fill("eve@example.com")
        tutor.get_by_label("End-point assessment organisation").fill("Assess Co")
        # A mistake first: a date in the past.
        tutor.get_by_label("Access until").fill((date.today() - timedelta(days=1)).isoformat())
        tutor.get_by_role("button", name="Send the invitation").click()
        tutor.wait_for_load_state()
        assert "cannot end in the past" in tutor.content()
        assert tutor.get_by_label("End-point assessment organisation").input_value() == "Assess Co"
        tutor.get_by_label("Access until").fill((date.today() + timedelta(days=90)).isoformat())
        tutor.get_by_role("button", name="Send the invitation").click()
        tutor.wait_for_url(f"**/apprenticeships/{pk}/assessors/")
        assert "eve@example.com is invited" in tutor.content()

        (message,) = [m for m in mail.outbox if m.to == ["eve@example.com"]]
        link = next(word for word in message.body.split() if "/assessor/" in word)
        assessor = assessor_context.new_page()
        assessor.goto(link)
        assert_accessible(assessor)
        assessor.get_by_role("link", name="Create your account").click()
        assessor.wait_for_load_state()
        assert assessor.get_by_label("Email").input_value() == "eve@example.com"
        assessor.get_by_label("Full name").fill("Eve Assessor")
        assessor.get_by_label(re.compile(r"^\s*Password\W*$")).fill(PASSWORD)
        assessor.get_by_label("Password (again)").fill(PASSWORD)
        assessor.get_by_role("button", name="Sign Up").click()
        assessor.get_by_role("button", name="Accept access").click()
        assessor.wait_for_url(f"**/apprenticeships/{pk}/portfolio/")
        assert_accessible(assessor)
        for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
            assessor.set_viewport_size(size)
            screenshot(assessor, f"issue17-assessor-portfolio-{label}")
        assessor.set_viewport_size(DESKTOP)

        assessor.goto("/assessor/")
        assert_accessible(assessor)
        assessor.get_by_role("link", name=f"Portfolio of {at_gateway.person}").click()
        assessor.wait_for_load_state()
        evidence = at_gateway.evidence.get()
        assessor.goto(evidence.get_absolute_url())
        assert "Blue-green deployment" in assessor.content()
        with assessor.expect_download() as download:
            assessor.evaluate(
                "url => { const a = document.createElement('a'); a.href = url; "
                "a.download = ''; document.body.appendChild(a); a.click(); }",
                f"/evidence/{evidence.pk}/file/",
            )
        assert download.value.suggested_filename == "runbook.pdf"
        for refused in (f"/apprenticeships/{pk}/scans/", f"/apprenticeships/{pk}/hours/"):
            response = assessor.goto(refused)
            assert response.status == 403, refused

        tutor.goto(f"/apprenticeships/{pk}/assessors/")
        assert_accessible(tutor)
        page = tutor.content()
        assert "Eve Assessor" in page and "Download" in page
        assert AssessorView.objects.filter(what="download").count() == 1
        screenshot(tutor, "issue17-assessor-log-1280")
    finally:
        tutor_context.close()
        assessor_context.close()
