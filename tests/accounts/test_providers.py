"""Training providers: partnerships, the provider and tutor of an apprenticeship, what their
people see, and the employer's choice of who decides."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse

from accounts.models import Apprenticeship, Membership, Partnership, TutorChange
from accounts.partnerships import (
    PartnershipError,
    apprenticeship_provider_change,
    apprenticeship_tutor_change,
    partnership_accept,
    partnership_end,
    partnership_propose,
)
from accounts.permissions import (
    Action,
    NotAllowed,
    NotChosen,
    Role,
    allowed,
    check,
    get_apprenticeship_for,
    role_of,
    role_on_organisation,
)
from tests.conftest import verified_user
from tests.factories import (
    ApprenticeshipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def northwind(acme):
    provider = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=provider)
    return provider


def _member(organisation, role, email):
    user = verified_user(email, email.split("@")[0].title())
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def tutor(northwind):
    return _member(northwind, Membership.Role.TUTOR, "tutor@example.com")


@pytest.fixture
def provider_manager(northwind):
    return _member(northwind, Membership.Role.MANAGER, "provider.manager@example.com")


@pytest.fixture
def delivered(acme, northwind, tutor, mentor, standard):
    return ApprenticeshipFactory(
        organisation=acme, mentor=mentor, provider=northwind, tutor=tutor, standard=standard
    )


def fresh(user):
    """The user as a new request sees them (their memberships and partners read again)."""
    return type(user).objects.get(pk=user.pk)


# --- what the provider's people see ----------------------------------------------------------


def test_a_tutor_sees_their_caseload_across_employers_and_nothing_else(
    acme, globex, northwind, tutor, delivered
):
    PartnershipFactory(employer=globex, provider=northwind)
    at_globex = ApprenticeshipFactory(organisation=globex, provider=northwind, tutor=tutor)
    not_theirs = ApprenticeshipFactory(organisation=acme, provider=northwind)
    acme_only = ApprenticeshipFactory(organisation=acme)
    assert role_of(tutor, delivered) == Role.TUTOR
    assert role_of(tutor, at_globex) == Role.TUTOR
    assert role_of(tutor, not_theirs) is None
    assert role_of(tutor, acme_only) is None
    assert set(Apprenticeship.objects.visible_to(tutor)) == {delivered, at_globex}
    assert role_on_organisation(tutor, northwind) == Role.TUTOR
    assert role_on_organisation(tutor, acme) is None


def test_a_provider_manager_sees_what_the_provider_delivers_only(
    acme, globex, northwind, provider_manager, delivered
):
    other_provider = ProviderFactory()
    PartnershipFactory(employer=acme, provider=other_provider)
    theirs = ApprenticeshipFactory(organisation=acme, provider=other_provider)
    acme_only = ApprenticeshipFactory(organisation=acme)
    # Globex never partnered with Northwind: naming it gives Northwind nothing.
    unpartnered = ApprenticeshipFactory(organisation=globex, provider=northwind)
    assert role_of(provider_manager, delivered) == Role.PROVIDER_MANAGER
    for apprenticeship in (theirs, acme_only, unpartnered):
        assert role_of(provider_manager, apprenticeship) is None
    assert list(Apprenticeship.objects.visible_to(provider_manager)) == [delivered]
    assert role_on_organisation(provider_manager, northwind) == Role.PROVIDER_MANAGER


def test_an_employer_sees_its_apprenticeships_whoever_delivers_them(manager, delivered):
    assert role_of(manager, delivered) == Role.MANAGER


def test_an_ended_partnership_ends_access_except_to_completed_apprenticeships(
    acme, northwind, tutor, provider_manager, delivered, manager
):
    completed = ApprenticeshipFactory(
        organisation=acme, provider=northwind, tutor=tutor, status="completed"
    )
    partnership = Partnership.objects.get(employer=acme, provider=northwind)
    partnership_end(user=manager, partnership=partnership, organisation=acme)
    for user in (fresh(tutor), fresh(provider_manager)):
        assert role_of(user, delivered) is None
        assert role_of(user, completed) is not None
        assert set(Apprenticeship.objects.visible_to(user)) == {completed}
    with pytest.raises(Http404):
        get_apprenticeship_for(fresh(tutor), delivered.pk)
    # The employer keeps everything.
    assert role_of(fresh(manager), delivered) == Role.MANAGER


def test_a_proposed_partnership_gives_nothing_until_accepted(acme, manager):
    eastgate = ProviderFactory()
    tutor = _member(eastgate, Membership.Role.TUTOR, "eastgate.tutor@example.com")
    apprenticeship = ApprenticeshipFactory(organisation=acme, provider=eastgate, tutor=tutor)
    boss = _member(eastgate, Membership.Role.MANAGER, "eastgate.boss@example.com")
    partnership = partnership_propose(user=boss, organisation=eastgate, other=acme)
    assert role_of(fresh(tutor), apprenticeship) is None
    with pytest.raises(PartnershipError, match="Waiting for Acme Digital"):
        partnership_accept(user=boss, partnership=partnership)  # not its own proposal
    partnership_accept(user=manager, partnership=partnership)
    assert role_of(fresh(tutor), apprenticeship) == Role.TUTOR


def test_a_tutor_moved_off_a_caseload_loses_it_at_once(
    northwind, tutor, provider_manager, delivered
):
    second = _member(northwind, Membership.Role.TUTOR, "second.tutor@example.com")
    apprenticeship_tutor_change(user=provider_manager, apprenticeship=delivered, tutor=second)
    delivered.refresh_from_db()
    assert role_of(fresh(tutor), delivered) is None
    assert role_of(fresh(second), delivered) == Role.TUTOR
    change = TutorChange.objects.get(apprenticeship=delivered)
    assert (change.old_tutor, change.new_tutor, change.by) == (tutor, second, provider_manager)


def test_a_tutor_who_leaves_the_provider_loses_their_caseload(tutor, delivered):
    Membership.objects.filter(user=tutor).delete()
    assert role_of(fresh(tutor), delivered) is None


def test_check_asks_the_database_for_the_partnership_now(acme, northwind, tutor, delivered):
    assert check(tutor, delivered, Action.DECIDE_EVIDENCE) == Role.TUTOR
    Partnership.objects.filter(employer=acme, provider=northwind).update(
        ended_at=delivered.created_at
    )
    with pytest.raises(NotAllowed):
        check(tutor, delivered, Action.DECIDE_EVIDENCE)


def test_role_of_a_provider_person_costs_one_query_for_their_partners(
    tutor, delivered, django_assert_num_queries
):
    user = fresh(tutor)
    with django_assert_num_queries(2):  # their memberships, then their provider's partners
        assert role_of(user, delivered) == Role.TUTOR
    with django_assert_num_queries(0):
        assert role_of(user, delivered) == Role.TUTOR


def test_an_employer_person_pays_nothing_for_providers(
    manager, delivered, django_assert_num_queries
):
    user = fresh(manager)
    with django_assert_num_queries(1):  # their memberships, as before providers existed
        assert role_of(user, delivered) == Role.MANAGER
        assert user.partner_employers == {}


# --- the employer decides who acts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("decisions_by", "mentor_may", "tutor_may"),
    [("either", True, True), ("employer", True, False), ("provider", False, True)],
)
def test_the_employer_chooses_who_decides(
    acme, mentor, tutor, delivered, decisions_by, mentor_may, tutor_may
):
    acme.decisions_by = decisions_by
    acme.save()
    delivered.refresh_from_db()
    for action in (Action.VALIDATE_SCAN, Action.DECIDE_EVIDENCE, Action.SIGN_OFF_DUTY):
        assert allowed(Role.MENTOR, action, delivered) is mentor_may
        assert allowed(Role.TUTOR, action, delivered) is tutor_may
        assert allowed(Role.ADMIN, action, delivered) is True
    # Recording a review and the rest are everyone's, whatever the choice.
    assert allowed(Role.TUTOR, Action.RECORD_REVIEW, delivered)
    assert allowed(Role.MENTOR, Action.RECORD_REVIEW, delivered)
    if not tutor_may:
        with pytest.raises(NotChosen) as refused:
            check(tutor, delivered, Action.DECIDE_EVIDENCE)
        assert "only the employer may accept evidence" in str(refused.value)


def test_without_a_provider_the_employer_always_decides(acme, mentor):
    acme.decisions_by = "provider"
    acme.save()
    apprenticeship = ApprenticeshipFactory(organisation=acme, mentor=mentor)
    assert allowed(Role.MENTOR, Action.DECIDE_EVIDENCE, apprenticeship)


# --- partnerships ---------------------------------------------------------------------------


def test_partnership_steps_are_recorded_with_who_and_when(acme, manager):
    westbrook = ProviderFactory()
    boss = _member(westbrook, Membership.Role.MANAGER, "westbrook@example.com")
    partnership = partnership_propose(user=manager, organisation=acme, other=westbrook)
    assert (partnership.employer, partnership.provider, partnership.state) == (
        acme,
        westbrook,
        "proposed",
    )
    partnership = partnership_accept(user=boss, partnership=partnership)
    assert partnership.state == "active" and partnership.accepted_by == boss
    partnership = partnership_end(user=boss, partnership=partnership, organisation=westbrook)
    assert partnership.state == "ended"
    assert (partnership.ended_by, partnership.ended_by_organisation) == (boss, westbrook)
    with pytest.raises(PartnershipError, match="already ended"):
        partnership_end(user=manager, partnership=partnership, organisation=acme)
    # A new one may start after the end; the old one stays as history.
    partnership_propose(user=manager, organisation=acme, other=westbrook)
    assert Partnership.objects.filter(employer=acme, provider=westbrook).count() == 2


def test_bad_partnerships_are_refused(acme, globex, manager, northwind):
    with pytest.raises(PartnershipError, match="employer and a training provider"):
        partnership_propose(user=manager, organisation=acme, other=globex)
    with pytest.raises(PartnershipError, match="already have a partnership"):
        partnership_propose(user=manager, organisation=acme, other=northwind)
    with pytest.raises(Http404):  # no role at Globex at all
        partnership_propose(user=manager, organisation=globex, other=northwind)
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(employer=acme, provider=northwind, proposed_by=acme)
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(employer=acme, provider=acme, proposed_by=acme)


def test_a_mentor_may_not_manage_partnerships(acme, mentor, northwind):
    with pytest.raises(NotAllowed):
        partnership_propose(user=mentor, organisation=acme, other=ProviderFactory())
    partnership = Partnership.objects.get(provider=northwind)
    with pytest.raises(NotAllowed):
        partnership_end(user=mentor, partnership=partnership, organisation=acme)


# --- the provider and tutor of an apprenticeship --------------------------------------------


def test_the_employer_names_only_a_partnered_provider(acme, manager, northwind, mentor):
    apprenticeship = ApprenticeshipFactory(organisation=acme, mentor=mentor)
    stranger = ProviderFactory(name="Stranger Skills")
    with pytest.raises(ValidationError) as refused:
        apprenticeship_provider_change(
            user=manager, apprenticeship=apprenticeship, provider=stranger
        )
    assert "no active partnership" in str(refused.value)
    apprenticeship_provider_change(user=manager, apprenticeship=apprenticeship, provider=northwind)
    apprenticeship.refresh_from_db()
    assert apprenticeship.provider == northwind and apprenticeship.tutor is None
    with pytest.raises(NotAllowed):
        apprenticeship_provider_change(user=mentor, apprenticeship=apprenticeship, provider=None)


def test_a_new_provider_starts_without_the_old_tutor(acme, manager, delivered, tutor):
    other = ProviderFactory()
    PartnershipFactory(employer=acme, provider=other)
    apprenticeship_provider_change(user=manager, apprenticeship=delivered, provider=other)
    delivered.refresh_from_db()
    assert (delivered.provider, delivered.tutor) == (other, None)
    change = TutorChange.objects.get(apprenticeship=delivered)
    assert (change.old_tutor, change.new_tutor, change.new_provider) == (tutor, None, other)


def test_the_tutor_must_belong_to_the_provider(
    globex, provider_manager, delivered, tutor, manager, northwind
):
    outsider = _member(globex, Membership.Role.MANAGER, "outsider@example.com")
    with pytest.raises(ValidationError, match="tutor or manager of the provider"):
        apprenticeship_tutor_change(user=provider_manager, apprenticeship=delivered, tutor=outsider)
    with pytest.raises(NotAllowed):  # the employer's manager does not choose the tutor
        apprenticeship_tutor_change(user=manager, apprenticeship=delivered, tutor=tutor)
    with pytest.raises(NotAllowed):
        apprenticeship_tutor_change(user=tutor, apprenticeship=delivered, tutor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Apprenticeship.objects.filter(pk=delivered.pk).update(provider=None)


# --- pages ----------------------------------------------------------------------------------


def test_the_organisation_page_lists_partnerships_and_answers(client, acme, manager, northwind):
    eastgate = ProviderFactory(name="Eastgate Academy")
    PartnershipFactory(employer=acme, provider=eastgate, proposed_by=eastgate, accepted_at=None)
    client.force_login(manager)
    page = client.get(acme.get_absolute_url()).content.decode()
    assert "Training providers" in page
    assert "Northwind Training" in page and "Active" in page
    assert "Eastgate Academy proposed it on" in page
    assert 'Accept<span class="visually-hidden"> the partnership with Eastgate Academy' in page
    proposal = Partnership.objects.get(provider=eastgate)
    response = client.post(reverse("accounts:partnership-accept", kwargs={"pk": proposal.pk}))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "active"
    # Accepting twice says so and changes nothing.
    response = client.post(
        reverse("accounts:partnership-accept", kwargs={"pk": proposal.pk}), follow=True
    )
    assert "This partnership is Active" in response.content.decode()


def test_an_employer_proposes_from_the_list_of_providers(client, acme, manager, northwind):
    westbrook = ProviderFactory(name="Westbrook College")
    client.force_login(manager)
    url = reverse("accounts:partnership-propose", kwargs={"pk": acme.pk})
    page = client.get(url).content.decode()
    assert "Westbrook College" in page and "Northwind Training" not in page  # already partners
    response = client.post(url, {"provider": ""})
    assert response.status_code == 400
    assert "Choose the training provider to propose to." in response.content.decode()
    response = client.post(url, {"provider": westbrook.pk}, follow=True)
    assert "Westbrook College has been asked to accept the partnership." in (
        response.content.decode()
    )
    assert Partnership.objects.get(provider=westbrook).proposed_by == acme


def test_a_provider_proposes_by_a_managers_address_and_learns_nothing(
    client, acme, manager, northwind, provider_manager
):
    globex_boss = _member(OrganisationFactory(name="Globex"), "manager", "boss@globex.example")
    client.force_login(provider_manager)
    url = reverse("accounts:partnership-propose", kwargs={"pk": northwind.pk})
    answers = []
    for email in ("BOSS@globex.example", "nobody@example.com"):
        response = client.post(url, {"email": email}, follow=True)
        answers.append(response.content.decode().replace(email, "ADDRESS"))
    assert "If ADDRESS is a manager at an employer" in answers[0]
    assert answers[0].count("If ADDRESS") == answers[1].count("If ADDRESS") == 1
    assert Partnership.objects.filter(
        employer__memberships__user=globex_boss, provider=northwind, accepted_at__isnull=True
    ).exists()
    assert client.post(url, {"email": "not an address"}).status_code == 400


def test_ending_asks_first_then_ends(client, acme, manager, northwind):
    partnership = Partnership.objects.get(provider=northwind)
    client.force_login(manager)
    url = reverse("accounts:partnership-end", kwargs={"pk": partnership.pk})
    page = client.get(url).content.decode()
    assert "End the partnership with Northwind Training?" in page
    assert "will stop seeing" in page
    partnership.refresh_from_db()
    assert partnership.state == "active"
    response = client.post(url, follow=True)
    assert "The partnership with Northwind Training has ended." in response.content.decode()
    partnership.refresh_from_db()
    assert partnership.state == "ended"


def test_the_tutor_page_offers_the_providers_people(
    client, provider_manager, delivered, tutor, northwind
):
    second = _member(northwind, Membership.Role.TUTOR, "second@example.com")
    client.force_login(provider_manager)
    url = reverse("accounts:apprenticeship-tutor", kwargs={"pk": delivered.pk})
    page = client.get(url).content.decode()
    assert "Whose caseload is it on?" in page and "second@example.com" not in page
    assert "Second" in page
    response = client.post(url, {"tutor": 999999})
    assert response.status_code == 400
    response = client.post(url, {"tutor": second.pk}, follow=True)
    assert "The tutor has been saved." in response.content.decode()
    delivered.refresh_from_db()
    assert delivered.tutor == second
    page = client.get(url).content.decode()
    assert "tutor Tutor → Second" in page


def test_the_apprenticeship_home_names_provider_and_tutor(client, manager, delivered):
    client.force_login(manager)
    page = client.get(delivered.get_absolute_url()).content.decode()
    assert "Training provider" in page and "Northwind Training" in page
    assert reverse("accounts:apprenticeship-provider", kwargs={"pk": delivered.pk}) in page
    assert reverse("accounts:apprenticeship-tutor", kwargs={"pk": delivered.pk}) not in page


def test_a_providers_invitations_offer_tutors(client, northwind, provider_manager):
    client.force_login(provider_manager)
    page = client.get(reverse("accounts:member-invite", kwargs={"pk": northwind.pk}))
    text = page.content.decode()
    assert 'value="tutor"' in text and 'value="mentor"' not in text


def test_a_provider_names_its_safeguarding_lead_from_its_own_people(
    client, northwind, provider_manager, tutor, manager
):
    client.force_login(provider_manager)
    url = reverse("accounts:organisation-settings", kwargs={"pk": northwind.pk})
    page = client.get(northwind.get_absolute_url()).content.decode()
    assert "designated safeguarding lead" in page.lower()
    assert "Review skills scan every" not in page and "Invite an apprentice" not in page
    response = client.post(url, {"safeguarding_lead": manager.pk})  # not one of theirs
    assert response.status_code == 200
    northwind.refresh_from_db()
    assert northwind.safeguarding_lead is None
    client.post(url, {"safeguarding_lead": tutor.pk})
    northwind.refresh_from_db()
    assert northwind.safeguarding_lead == tutor


def test_an_employer_chooses_who_decides_on_its_page(client, acme, manager):
    client.force_login(manager)
    url = reverse("accounts:organisation-settings", kwargs={"pk": acme.pk})
    form = {
        "review_interval_weeks": "12",
        "evidence_waiting_days": "5",
        "scan_interval_weeks": "26",
        "decisions_by": "nobody",
    }
    assert "Select a valid choice" in client.post(url, form).content.decode()
    client.post(url, {**form, "decisions_by": "provider"})
    acme.refresh_from_db()
    assert acme.decisions_by == "provider"


# --- who is told ----------------------------------------------------------------------------


def test_the_tutor_hears_what_the_mentor_hears_while_the_partnership_lasts(
    acme, northwind, mentor, tutor, provider_manager, delivered, django_assert_num_queries
):
    from notify.catalogue import entry
    from notify.recipients import people_for

    item = entry("evidence_submitted")
    with django_assert_num_queries(3):  # people, memberships, partnerships
        assert set(people_for(delivered, item.roles, item.fallback)) == {mentor, tutor}
    # Without a tutor, the provider's managers stand in.
    Apprenticeship.objects.filter(pk=delivered.pk).update(tutor=None)
    delivered.refresh_from_db()
    assert set(people_for(delivered, item.roles, item.fallback)) == {mentor, provider_manager}
    Partnership.objects.filter(provider=northwind).update(ended_at=delivered.created_at)
    assert set(people_for(delivered, item.roles, item.fallback)) == {mentor}


# --- every record says which party acted ------------------------------------------------------


@pytest.fixture
def no_checklist():
    """The gateway's checklist (progress) set aside: these tests are about who may mark it."""
    from accounts.status import _GUARDS

    saved = _GUARDS.get("gateway", [])
    _GUARDS["gateway"] = []
    yield
    _GUARDS["gateway"] = saved


def test_gateway_needs_the_declaration_of_the_employer_and_the_provider(
    delivered, tutor, mentor, manager, no_checklist
):
    from accounts.models import GatewayAgreement, StatusChange
    from accounts.status import StatusError, apprenticeship_status_change, gateway_declare

    with pytest.raises(StatusError, match="not signed yet by the employer and the training"):
        apprenticeship_status_change(apprenticeship=delivered, to="gateway", by=tutor)
    first = gateway_declare(apprenticeship=delivered, by=tutor, note="Ready")
    assert (first.by, first.party) == (tutor, "provider")
    delivered.refresh_from_db()
    assert delivered.status == "active"
    with pytest.raises(StatusError, match="already signed the declaration for the training"):
        gateway_declare(apprenticeship=delivered, by=tutor)
    with pytest.raises(StatusError, match="not signed yet by the employer"):
        apprenticeship_status_change(apprenticeship=delivered, to="gateway", by=mentor)
    second = gateway_declare(apprenticeship=delivered, by=mentor, note="Agreed")
    assert (second.by, second.party) == (mentor, "employer")
    assert delivered.status == "gateway"
    change = StatusChange.objects.filter(apprenticeship=delivered).latest("at")
    assert (change.new_status, change.by, change.party, change.note) == (
        "gateway",
        mentor,
        "employer",
        "Agreed",
    )
    # Signatures count until the status next changes.
    apprenticeship_status_change(apprenticeship=delivered, to="active", by=manager, reason="Redo")
    gateway_declare(apprenticeship=delivered, by=mentor)
    assert delivered.status == "active"
    assert GatewayAgreement.objects.count() == 3


def test_the_gateway_page_shows_the_declaration_and_who_signed(
    client, delivered, tutor, mentor, monkeypatch, no_checklist
):
    monkeypatch.setattr(
        "progress.views.gateway_for", lambda apprenticeship: type("G", (), {"ready": True})()
    )
    url = reverse("progress:gateway", kwargs={"pk": delivered.pk})
    client.force_login(tutor)
    page = client.get(url).content.decode()
    assert "We declare that" in page and "Sign the declaration for the training provider" in page
    assert "Not signed yet for the employer" in page
    response = client.post(reverse("progress:gateway-mark", kwargs={"pk": delivered.pk}))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Signed for the training provider by Tutor" in page
    assert "You have signed for the training provider" in page
    client.force_login(mentor)
    page = client.get(url).content.decode()
    assert "Sign the declaration for the employer" in page
    client.post(reverse("progress:gateway-mark", kwargs={"pk": delivered.pk}))
    delivered.refresh_from_db()
    assert delivered.status == "gateway"


def test_decisions_say_which_party_made_them(delivered, tutor, mentor, client):
    from skillscan.services import employer_review_save
    from tests.factories import EvidenceFactory, make_scan
    from tracker.models import DutySignOff, EvidenceFeedback
    from tracker.services import duty_sign_off, evidence_decide

    ksb = delivered.standard.ksbs.first()
    evidence = EvidenceFactory(apprenticeship=delivered, ksbs=[ksb], status="submitted")
    evidence_decide(evidence=evidence, user=tutor, decision="accepted", comment="")
    feedback = EvidenceFeedback.objects.get(evidence=evidence, decision="accepted")
    assert (feedback.author, feedback.party) == (tutor, "provider")
    scan = make_scan(delivered, status="submitted")
    employer_review_save(scan=scan, user=mentor, reviews={}, validate=True)
    scan.refresh_from_db()
    assert (scan.validated_by, scan.validated_party) == (mentor, "employer")
    duty = delivered.standard.duties.first()
    from tracker.services import unevidenced_ksbs_of

    missing = unevidenced_ksbs_of(delivered, duty)
    duty_sign_off(
        apprenticeship=delivered,
        duty=duty,
        user=tutor,
        note="Seen it at work.",
        unevidenced=[k.pk for k in missing],
        reason="Observed.",
    )
    assert DutySignOff.objects.get(duty=duty).party == "provider"
    client.force_login(mentor)
    page = client.get(reverse("tracker:evidence-detail", kwargs={"pk": evidence.pk}))
    assert "(training provider)" in page.content.decode()
