"""The end-point assessment hand-off: the gateway declaration and the status it moves, the
assessor's access window and the log of what they viewed, inviting them, and the assessment's
record up to completion."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.epa import (
    AccessState,
    EpaError,
    access_state,
    assessor_accept,
    assessor_invite,
    assessor_revoke,
    epa_record,
    epa_state,
)
from accounts.models import (
    Apprenticeship,
    AssessorAccess,
    AssessorView,
    EpaEvent,
    GatewayAgreement,
    Membership,
    StatusChange,
)
from accounts.permissions import NotAllowed, Role, apprenticeships_where, role_of
from accounts.status import StatusError, apprenticeship_status_change, gateway_declare
from tests.conftest import verified_user
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    MembershipFactory,
    PartnershipFactory,
    ProviderFactory,
    assessor_access,
)

pytestmark = pytest.mark.django_db

S = Apprenticeship.Status
TODAY = date.today()


@pytest.fixture
def no_checklist(monkeypatch):
    """The gateway checklist holding, whatever the data (its lines are tested elsewhere)."""
    from accounts import status

    monkeypatch.setitem(status._GUARDS, S.GATEWAY, [])


@pytest.fixture
def northwind(acme):
    provider = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=provider)
    return provider


@pytest.fixture
def tutor(northwind):
    user = verified_user("tutor@example.com", "Tara Tutor")
    MembershipFactory(user=user, organisation=northwind, role=Membership.Role.TUTOR)
    return user


@pytest.fixture
def delivered(acme, northwind, tutor, mentor, apprentice, standard):
    return ApprenticeshipFactory(
        apprentice=apprentice,
        organisation=acme,
        mentor=mentor,
        provider=northwind,
        tutor=tutor,
        standard=standard,
    )


@pytest.fixture
def at_gateway(delivered, tutor, mentor, no_checklist):
    gateway_declare(apprenticeship=delivered, by=tutor)
    gateway_declare(apprenticeship=delivered, by=mentor)
    assert delivered.status == S.GATEWAY
    return delivered


def fresh(user):
    """The user as a new request sees them."""
    return type(user).objects.get(pk=user.pk)


# --- the gateway declaration --------------------------------------------------------------------


def test_one_party_alone_does_not_move_a_delivered_apprenticeship(delivered, mentor, no_checklist):
    signature = gateway_declare(apprenticeship=delivered, by=mentor, note=" Ready ")
    assert (signature.party, signature.note) == ("employer", "Ready")
    assert Apprenticeship.objects.get(pk=delivered.pk).status == S.ACTIVE
    assert not StatusChange.objects.filter(apprenticeship=delivered).exists()


def test_both_parties_move_it_to_gateway_recorded_as_the_last_signer(
    delivered, tutor, mentor, no_checklist
):
    gateway_declare(apprenticeship=delivered, by=mentor)
    gateway_declare(apprenticeship=delivered, by=tutor, note="All done")
    assert delivered.status == S.GATEWAY
    change = StatusChange.objects.get(apprenticeship=delivered)
    assert (change.old_status, change.new_status, change.by, change.party, change.note) == (
        S.ACTIVE,
        S.GATEWAY,
        tutor,
        "provider",
        "All done",
    )


def test_without_a_provider_the_employer_alone_signs(apprenticeship, manager, no_checklist):
    gateway_declare(apprenticeship=apprenticeship, by=manager)
    assert apprenticeship.status == S.GATEWAY
    assert StatusChange.objects.get(apprenticeship=apprenticeship).by == manager


def test_nobody_signs_while_the_checklist_does_not_hold(apprenticeship, mentor):
    with pytest.raises(StatusError, match="cannot be signed yet: “Every KSB has accepted"):
        gateway_declare(apprenticeship=apprenticeship, by=mentor)
    assert not GatewayAgreement.objects.exists()
    assert Apprenticeship.objects.get(pk=apprenticeship.pk).status == S.ACTIVE


def test_the_apprentice_cannot_sign(apprenticeship, apprentice, no_checklist):
    with pytest.raises(NotAllowed):
        gateway_declare(apprenticeship=apprenticeship, by=apprentice)


def test_signatures_made_before_a_status_change_no_longer_count(
    delivered, tutor, mentor, manager, no_checklist
):
    gateway_declare(apprenticeship=delivered, by=tutor)
    apprenticeship_status_change(apprenticeship=delivered, to=S.PAUSED, by=manager, reason="Ill")
    apprenticeship_status_change(apprenticeship=delivered, to=S.ACTIVE, by=manager, reason="Back")
    gateway_declare(apprenticeship=delivered, by=mentor)
    assert delivered.status == S.ACTIVE  # the provider's signature was before the break
    gateway_declare(apprenticeship=delivered, by=tutor)
    assert delivered.status == S.GATEWAY


def test_the_direct_change_to_gateway_needs_the_declaration(delivered, mentor, no_checklist):
    with pytest.raises(StatusError, match="not signed yet by the employer and the training"):
        apprenticeship_status_change(apprenticeship=delivered, to=S.GATEWAY, by=mentor)


# --- the assessor's access ----------------------------------------------------------------------


def _assessor(email="eve@example.com"):
    return verified_user(email, "Eve Assessor")


@pytest.mark.parametrize(
    ("days", "role"), [(1, Role.ASSESSOR), (0, Role.ASSESSOR), (-1, None), (-30, None)]
)
def test_the_access_runs_to_its_last_day(at_gateway, tutor, days, role):
    eve = _assessor()
    assessor_access(at_gateway, eve, days=days, by=tutor)
    assert role_of(fresh(eve), at_gateway) == role
    matching = Apprenticeship.objects.filter(
        apprenticeships_where(fresh(eve), {Role.ASSESSOR}), pk=at_gateway.pk
    ).exists()
    assert matching is (role is not None)


def test_a_revoked_or_unaccepted_access_gives_no_role(at_gateway, tutor):
    eve = _assessor()
    access, _ = assessor_access(at_gateway, eve, by=tutor)
    assessor_revoke(access=access, by=tutor)
    assert role_of(fresh(eve), at_gateway) is None
    pending, _ = assessor_access(at_gateway, None, by=tutor)
    assert access_state(pending) == AccessState.PENDING
    AssessorAccess.objects.filter(pk=pending.pk).update(email=eve.email)
    assert role_of(fresh(eve), at_gateway) is None


def test_the_assessor_sees_the_portfolio_and_nothing_else(client, at_gateway, tutor, media):
    eve = _assessor()
    assessor_access(at_gateway, eve, by=tutor)
    evidence = EvidenceFactory(
        apprenticeship=at_gateway,
        status="accepted",
        attachment=ContentFile(b"%PDF-1.4 eve", name="eve.pdf"),
        attachment_name="eve.pdf",
        attachment_type="application/pdf",
    )
    other = ApprenticeshipFactory(organisation=at_gateway.organisation)
    client.force_login(eve)
    pk = at_gateway.pk
    assert client.get(reverse("progress:portfolio", kwargs={"pk": pk})).status_code == 200
    assert client.get(evidence.get_absolute_url()).status_code == 200
    download = client.get(reverse("tracker:evidence-file", kwargs={"pk": evidence.pk}))
    assert download.status_code == 200
    for name in ("progress:apprenticeship-home", "tracker:hours", "skillscan:scan-history"):
        assert client.get(reverse(name, kwargs={"pk": pk})).status_code == 403, name
    assert client.get(reverse("progress:portfolio", kwargs={"pk": other.pk})).status_code == 404
    # Not on the dashboard: the assessor is none of the parties.
    assert not Apprenticeship.objects.visible_to(fresh(eve)).exists()


def test_every_link_on_the_assessors_pages_opens_for_them(client, at_gateway, tutor, media):
    """Breadcrumbs and back links on the assessor's pages lead to pages they may open: the
    parties' pages (the apprenticeship, its evidence list) answer them 403."""
    eve = _assessor()
    assessor_access(at_gateway, eve, by=tutor)
    evidence = EvidenceFactory(apprenticeship=at_gateway, status="accepted")
    client.force_login(eve)
    pages = [
        reverse("accounts:assessor-home"),
        reverse("progress:portfolio", kwargs={"pk": at_gateway.pk}),
        evidence.get_absolute_url(),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        links = set(re.findall(r'href="(/[^"#]*)', html)) - {"/static/"}
        links = {link for link in links if not link.startswith(("/static/", "/accounts/logout"))}
        assert links, page
        for link in sorted(links):
            assert client.get(link).status_code < 400, (page, link)


def test_the_assessor_opens_accepted_evidence_only(client, at_gateway, tutor, media):
    eve = _assessor()
    assessor_access(at_gateway, eve, by=tutor)
    client.force_login(eve)
    for status in ("draft", "submitted", "changes_requested"):
        evidence = EvidenceFactory(
            apprenticeship=at_gateway,
            status=status,
            attachment=ContentFile(b"%PDF-1.4 eve", name="eve.pdf"),
            attachment_name="eve.pdf",
        )
        assert client.get(evidence.get_absolute_url()).status_code == 404, status
        file_url = reverse("tracker:evidence-file", kwargs={"pk": evidence.pk})
        assert client.get(file_url).status_code == 404, status
    assert not AssessorView.objects.exists()  # nothing seen, nothing logged
    client.force_login(tutor)  # the parties still open it
    assert client.get(evidence.get_absolute_url()).status_code == 200


def test_each_view_and_download_is_logged_once_and_listed_for_the_provider(
    client, at_gateway, tutor, media, django_assert_max_num_queries
):
    eve = _assessor()
    access, _ = assessor_access(at_gateway, eve, by=tutor)
    evidence = EvidenceFactory(
        apprenticeship=at_gateway,
        status="accepted",
        title="Pipeline",
        attachment=ContentFile(b"%PDF-1.4 eve", name="eve.pdf"),
        attachment_name="eve.pdf",
        attachment_type="application/pdf",
    )
    client.force_login(eve)
    portfolio = reverse("progress:portfolio", kwargs={"pk": at_gateway.pk})
    file_url = reverse("tracker:evidence-file", kwargs={"pk": evidence.pk})
    client.get(portfolio)
    client.get(evidence.get_absolute_url())
    client.get(file_url)
    client.get(reverse("tracker:hours", kwargs={"pk": at_gateway.pk}))  # refused: not logged
    views = list(AssessorView.objects.order_by("at", "pk").values_list("access", "what", "path"))
    assert views == [
        (access.pk, "page", portfolio),
        (access.pk, "page", evidence.get_absolute_url()),
        (access.pk, "download", file_url),
    ]
    assert AssessorView.objects.get(what="download").label == str(evidence)
    # The provider's list: the accesses and the log, in a constant number of queries.
    client.force_login(tutor)
    url = reverse("accounts:assessor-access", kwargs={"pk": at_gateway.pk})
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "Eve Assessor" in page and file_url in page and "Download" in page
    for _ in range(30):
        AssessorView.objects.create(access=access, what="page", path=portfolio)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    assert "Page 1 of 1" not in client.get(url).content.decode()  # 33 rows: one page of 50


def test_others_see_no_log(client, at_gateway, mentor, apprentice):
    url = reverse("accounts:assessor-access", kwargs={"pk": at_gateway.pk})
    for user in (mentor, apprentice):
        client.force_login(user)
        assert client.get(url).status_code == 403


# --- inviting -----------------------------------------------------------------------------------


def _invite_url(apprenticeship):
    return reverse("accounts:assessor-invite", kwargs={"pk": apprenticeship.pk})


def test_the_provider_invites_and_the_assessor_accepts(client, at_gateway, tutor):
    client.force_login(tutor)
    form = {
        "email": "Eve@Example.com",
        "assessment_organisation": "  Assess   Co ",
        "expires_on": (TODAY + timedelta(days=90)).isoformat(),
    }
    response = client.post(_invite_url(at_gateway), form)
    assert response.status_code == 302
    access = AssessorAccess.objects.get()
    assert (access.email, access.assessment_organisation, access.invited_by) == (
        "eve@example.com",
        "Assess Co",
        tutor,
    )
    (message,) = [m for m in mail.outbox if m.to == ["eve@example.com"]]
    link = next(word for word in message.body.split() if "/assessor/" in word)
    assert access.token_hash not in message.body
    path = link.split("testserver", 1)[1]
    client.logout()
    assert "Create your account" in client.get(path).content.decode()
    eve = _assessor()
    client.force_login(eve)
    response = client.post(path)
    assert response.url == reverse("progress:portfolio", kwargs={"pk": at_gateway.pk})
    access.refresh_from_db()
    assert (access.assessor, access_state(access)) == (eve, AccessState.OPEN)
    assert role_of(fresh(eve), at_gateway) == Role.ASSESSOR
    home = client.get(reverse("accounts:assessor-home")).content.decode()
    assert f"Portfolio of {at_gateway.person}" in home
    assert client.get(reverse("progress:start")).url == reverse("accounts:assessor-home")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"assessment_organisation": ""}, "This field is required."),
        ({"expires_on": (TODAY - timedelta(days=1)).isoformat()}, "cannot end in the past"),
        ({"expires_on": (TODAY + timedelta(days=400)).isoformat()}, "at most a year"),
        ({"expires_on": "31/02/2027"}, "Enter a valid date."),
    ],
)
def test_bad_invitations_show_the_form_again(client, at_gateway, tutor, change, words):
    client.force_login(tutor)
    form = {
        "email": "eve@example.com",
        "assessment_organisation": "Assess Co",
        "expires_on": TODAY.isoformat(),
        **change,
    }
    response = client.post(_invite_url(at_gateway), form)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert 'value="Assess Co"' in response.content.decode() or "assessment_organisation" in change
    assert not AssessorAccess.objects.exists()


def test_an_assessor_is_invited_only_at_gateway(delivered, tutor, mentor):
    with pytest.raises(EpaError, match="once the apprenticeship is at gateway"):
        assessor_invite(
            apprenticeship=delivered,
            by=tutor,
            email="eve@example.com",
            assessment_organisation="Assess Co",
            expires_on=TODAY,
            build_url=str,
        )


def test_the_mentor_cannot_invite(at_gateway, mentor):
    with pytest.raises(NotAllowed):
        assessor_invite(
            apprenticeship=at_gateway,
            by=mentor,
            email="eve@example.com",
            assessment_organisation="Assess Co",
            expires_on=TODAY,
            build_url=str,
        )
    with pytest.raises(ValidationError):
        assessor_invite(
            apprenticeship=at_gateway,
            by=fresh(at_gateway.tutor),
            email="eve@example.com",
            assessment_organisation="Assess Co",
            expires_on=TODAY - timedelta(days=1),
            build_url=str,
        )


@pytest.mark.parametrize(
    ("setup", "status", "words"),
    [
        ("unknown", 404, "This link is not valid"),
        ("revoked", 410, "withdrawn this access"),
        ("expired", 410, "This access has ended"),
        ("wrong_user", 403, "This access is for someone else"),
    ],
)
def test_links_that_do_not_work_say_why(client, at_gateway, tutor, setup, status, words):
    access, token = assessor_access(at_gateway, None, by=tutor)
    if setup == "unknown":
        token = "no-such-token"
    elif setup == "revoked":
        assessor_revoke(access=access, by=tutor)
    elif setup == "expired":
        AssessorAccess.objects.filter(pk=access.pk).update(expires_on=TODAY - timedelta(days=1))
    else:
        client.force_login(_assessor("someone.else@example.com"))
    response = client.get(reverse("accounts:assessor-accept", kwargs={"token": token}))
    assert response.status_code == status
    assert words in response.content.decode()


def test_an_accepted_link_cannot_be_accepted_again(at_gateway, tutor):
    eve = _assessor()
    access, _ = assessor_access(at_gateway, None, by=tutor)
    AssessorAccess.objects.filter(pk=access.pk).update(email=eve.email)
    access.refresh_from_db()
    assessor_accept(access=access, user=eve)
    with pytest.raises(EpaError):
        assessor_accept(access=access, user=eve)


def test_revoking_is_confirmed_then_posted(client, at_gateway, tutor):
    eve = _assessor()
    access, _ = assessor_access(at_gateway, eve, by=tutor)
    url = reverse("accounts:assessor-revoke", kwargs={"pk": access.pk})
    client.force_login(tutor)
    assert "Revoke the access of eve@example.com?" in client.get(url).content.decode()
    assert role_of(fresh(eve), at_gateway) == Role.ASSESSOR
    client.post(url)
    access.refresh_from_db()
    assert (access.revoked_by, access_state(access)) == (tutor, AccessState.REVOKED)
    assert role_of(fresh(eve), at_gateway) is None


# --- the assessment's record --------------------------------------------------------------------


def test_booked_outcome_resit_and_certificate_complete_the_apprenticeship(at_gateway, tutor):
    record = lambda kind, on, **more: epa_record(  # noqa: E731
        apprenticeship=at_gateway, by=tutor, kind=kind, on=on, **more
    )
    record("booked", TODAY + timedelta(days=20))
    with pytest.raises(EpaError, match="after a pass"):
        record("certificate", TODAY)
    with pytest.raises(EpaError, match="after a failed"):
        record("resit", TODAY)
    with pytest.raises(ValidationError):
        record("outcome", TODAY + timedelta(days=1), outcome="fail")
    record("outcome", TODAY, outcome="fail")
    record("resit", TODAY + timedelta(days=40))
    state = epa_state(at_gateway.epa_events.order_by("at", "pk"))
    assert (state.resit, state.awaiting_outcome, state.booked_on) == (
        True,
        True,
        TODAY + timedelta(days=40),
    )
    record("outcome", TODAY, outcome="merit")
    assert at_gateway.status == S.GATEWAY
    record("certificate", TODAY, note="Arrived")
    assert at_gateway.status == S.COMPLETED
    change = StatusChange.objects.filter(apprenticeship=at_gateway).latest("at")
    assert (change.new_status, change.by, change.party) == (S.COMPLETED, tutor, "provider")
    assert "Merit" in change.note
    assert list(EpaEvent.objects.values_list("kind", flat=True)) == [
        "booked",
        "outcome",
        "resit",
        "outcome",
        "certificate",
    ]
    with pytest.raises(EpaError):
        record("booked", TODAY)


def test_the_epa_page_records_for_the_provider_and_shows_to_the_apprentice(
    client, at_gateway, tutor, apprentice
):
    url = reverse("accounts:epa", kwargs={"pk": at_gateway.pk})
    client.force_login(tutor)
    response = client.post(url, {"kind": "outcome", "on": TODAY.isoformat(), "outcome": ""})
    assert response.status_code == 200 and "Choose the outcome." in response.content.decode()
    response = client.post(url, {"kind": "booked", "on": "2027-13-01"})
    assert "Enter a valid date." in response.content.decode()
    client.post(url, {"kind": "booked", "on": (TODAY + timedelta(days=3)).isoformat()})
    client.force_login(apprentice)
    page = client.get(url).content.decode()
    assert "Assessment booked for" in page and "Record a step" not in page
    assert client.post(url, {"kind": "booked", "on": TODAY.isoformat()}).status_code == 403
