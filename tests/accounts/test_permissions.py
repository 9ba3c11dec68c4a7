"""The permission table, a user's role, its SQL twin, and the entry points views start from."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Apprenticeship, AssessorAccess, Membership, Organisation
from accounts.permissions import (
    EMPLOYER,
    PERMISSIONS,
    PROVIDER,
    Action,
    NotAllowed,
    Role,
    apprenticeships_where,
    check,
    get_apprenticeship_for,
    get_organisation_for,
    get_record_for,
    managers_of,
    markdown_table,
    may,
    organisations_where,
    require,
    role_of,
    role_on_organisation,
    who_may,
)
from progress.dashboard import visible_tallies
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    assessor_access,
)
from tracker.models import Evidence

pytestmark = pytest.mark.django_db

A, MEN, MAN, ADM = Role.APPRENTICE, Role.MENTOR, Role.MANAGER, Role.ADMIN
TUT, PM, EPA = Role.TUTOR, Role.PROVIDER_MANAGER, Role.ASSESSOR

# The table, written out once more by hand: a change to the rules must change this too.
EXPECTED = {
    Action.VIEW: {A, MEN, MAN, TUT, PM, ADM},
    Action.EXPORT: {A, MEN, MAN, TUT, PM, ADM},
    Action.RATE: {A},
    Action.SUBMIT_SCAN: {A},
    Action.VALIDATE_SCAN: {MEN, MAN, TUT, PM, ADM},
    Action.LOG_EVIDENCE: {A},
    Action.DECIDE_EVIDENCE: {MEN, MAN, TUT, PM, ADM},
    Action.WITHDRAW_EVIDENCE: {A},
    Action.COMMENT_ON_EVIDENCE: {A, MEN, MAN, TUT, PM, ADM},
    Action.SIGN_OFF_DUTY: {MEN, MAN, TUT, PM, ADM},
    Action.RECORD_REVIEW: {MEN, MAN, TUT, PM, ADM},
    Action.COUNTERSIGN_REVIEW: {A},
    Action.EDIT_APPRENTICESHIP: {MAN, ADM},
    Action.MARK_GATEWAY: {MEN, MAN, TUT, PM, ADM},
    Action.AGREE_GATEWAY: {MEN, MAN, ADM},
    Action.CHANGE_STATUS: {MAN, ADM},
    Action.MOVE_STANDARD: {MAN, ADM},
    Action.JOIN: {A},
    Action.SIGN_REVIEW: {A, MEN, MAN, TUT, PM},
    Action.SEE_SAFEGUARDING: {TUT, PM, ADM},
    Action.ASSIGN_TUTOR: {PM, ADM},
    Action.SEE_ORGANISATION: {MEN, MAN, TUT, PM, ADM},
    Action.MANAGE_PEOPLE: {MAN, PM, ADM},
    Action.MANAGE_PARTNERSHIPS: {MAN, PM, ADM},
    Action.SEE_CASELOAD: {TUT, PM, ADM},
    Action.VIEW_PORTFOLIO: {A, MEN, MAN, TUT, PM, ADM, EPA},
    Action.EDIT_PLAN: {MEN, MAN, TUT, PM, ADM},
    Action.SIGN_PLAN: {A, MEN, MAN, TUT, PM},
    Action.LOG_HOURS: {A},
    Action.DECIDE_HOURS: {MEN, MAN, TUT, PM, ADM},
    Action.RECORD_TIME_OFF: {MEN, MAN, TUT, PM, ADM},
    Action.INVITE_ASSESSOR: {TUT, PM, ADM},
    Action.RECORD_EPA: {MAN, TUT, PM, ADM},
    Action.BULK_ENROL: {MAN, PM, ADM},
}


def test_the_table_says_who_may_take_every_action():
    assert set(PERMISSIONS) == set(Action)
    assert {action: set(roles) for action, roles in PERMISSIONS.items()} == EXPECTED


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [*Role, None])
def test_may_reads_the_table(role, action):
    assert may(role, action) is (role in EXPECTED[action])


def test_no_supervising_action_is_open_to_the_apprentice():
    for action in (Action.VALIDATE_SCAN, Action.DECIDE_EVIDENCE, Action.SIGN_OFF_DUTY):
        assert not may(Role.APPRENTICE, action)
        assert PERMISSIONS[action] == EMPLOYER | PROVIDER


def test_a_refusal_says_who_may_act():
    assert who_may(Action.RATE) == "the apprentice"
    assert who_may(Action.CHANGE_STATUS) == "a manager of the organisation or a service admin"
    assert who_may(Action.DECIDE_EVIDENCE) == (
        "the mentor, a manager of the organisation, the tutor, a manager of the training "
        "provider or a service admin"
    )
    with pytest.raises(NotAllowed) as refused:
        require(Role.APPRENTICE, Action.DECIDE_EVIDENCE)
    assert isinstance(refused.value, PermissionDenied)
    assert refused.value.action == Action.DECIDE_EVIDENCE
    assert str(refused.value) == (
        "Only the mentor, a manager of the organisation, the tutor, a manager of the training "
        "provider or a service admin may accept evidence or ask for changes."
    )
    require(Role.MENTOR, Action.DECIDE_EVIDENCE)
    with pytest.raises(NotAllowed):
        require(None, Action.VIEW)


def test_templates_read_the_table_through_the_role():
    assert Role.MENTOR.can["decide_evidence"] is True
    assert Role.MENTOR.can["log_evidence"] is False
    assert set(Role.APPRENTICE.can) == {action.value for action in Action}
    assert Role.APPRENTICE.is_apprentice and not Role.ADMIN.is_apprentice


def test_the_readme_shows_the_table():
    table = markdown_table()
    assert table.splitlines()[0] == (
        "| action | apprentice | mentor | manager | tutor | provider_manager | admin | assessor |"
    )
    assert "| accept evidence or ask for changes |  | yes | yes | yes | yes | yes |  |" in table
    assert "| start a skills scan and rate it | yes |  |  |  |  |  |" in table
    assert len(table.splitlines()) == len(Action) + 2


# --- a user's role --------------------------------------------------------------------------------


@pytest.fixture
def acme_people(acme):
    people = {name: UserFactory(email=f"{name}@example.com") for name in ("app", "men", "man")}
    MembershipFactory(user=people["men"], organisation=acme, role=Membership.Role.MENTOR)
    MembershipFactory(user=people["man"], organisation=acme, role=Membership.Role.MANAGER)
    people["apprenticeship"] = ApprenticeshipFactory(
        apprentice=people["app"], organisation=acme, mentor=people["men"]
    )
    return people


def test_roles_come_from_relationships(acme_people, superuser, acme):
    apprenticeship = acme_people["apprenticeship"]
    assert role_of(acme_people["app"], apprenticeship) == Role.APPRENTICE
    assert role_of(acme_people["men"], apprenticeship) == Role.MENTOR
    assert role_of(acme_people["man"], apprenticeship) == Role.MANAGER
    assert role_of(superuser, apprenticeship) == Role.ADMIN
    assert role_of(UserFactory(), apprenticeship) is None
    assert role_of(AnonymousUser(), apprenticeship) is None


def test_the_apprentice_role_wins_so_nobody_supervises_themselves(acme_people, acme):
    apprentice = acme_people["app"]
    MembershipFactory(user=apprentice, organisation=acme, role=Membership.Role.MANAGER)
    apprentice.is_superuser = True
    apprentice.save()
    assert role_of(apprentice, acme_people["apprenticeship"]) == Role.APPRENTICE


def test_a_mentor_whose_membership_ended_has_no_role(acme_people):
    mentor = acme_people["men"]
    Membership.objects.filter(user=mentor).delete()
    apprenticeship = Apprenticeship.objects.get(pk=acme_people["apprenticeship"].pk)
    assert apprenticeship.mentor == mentor
    assert role_of(mentor, apprenticeship) is None
    assert not Apprenticeship.objects.visible_to(mentor).exists()


def test_a_mentor_who_is_a_member_elsewhere_has_no_role(acme_people, globex):
    mentor = acme_people["men"]
    Membership.objects.filter(user=mentor).update(organisation=globex)
    assert role_of(mentor, acme_people["apprenticeship"]) is None


def test_a_manager_who_also_mentors_is_a_manager(acme_people):
    apprenticeship = acme_people["apprenticeship"]
    apprenticeship.mentor = acme_people["man"]
    apprenticeship.save()
    assert role_of(acme_people["man"], apprenticeship) == Role.MANAGER


def test_an_inactive_user_has_no_role(acme_people, superuser):
    for user in (acme_people["man"], acme_people["app"], superuser):
        user.is_active = False
        user.save()
        assert role_of(user, acme_people["apprenticeship"]) is None
        assert role_on_organisation(user, acme_people["apprenticeship"].organisation) is None


def test_a_given_membership_role_saves_the_query(acme_people, django_assert_num_queries, superuser):
    apprenticeship = acme_people["apprenticeship"]
    with django_assert_num_queries(0):
        assert role_of(acme_people["man"], apprenticeship, member_role="manager") == Role.MANAGER
        assert role_of(acme_people["man"], apprenticeship, member_role=None) is None
        assert role_of(acme_people["men"], apprenticeship, member_role="mentor") == Role.MENTOR
        assert role_of(superuser, apprenticeship) == Role.ADMIN
    with django_assert_num_queries(1):  # the user's memberships, read once for all
        assert role_of(acme_people["man"], apprenticeship) == Role.MANAGER
        assert role_of(acme_people["man"], acme_people["apprenticeship"]) == Role.MANAGER


def test_roles_at_an_organisation(acme_people, acme, superuser, globex):
    assert role_on_organisation(acme_people["man"], acme) == Role.MANAGER
    assert role_on_organisation(acme_people["men"], acme) == Role.MENTOR
    assert role_on_organisation(acme_people["app"], acme) is None
    assert role_on_organisation(acme_people["man"], globex) is None
    assert role_on_organisation(superuser, acme) == Role.ADMIN
    MembershipFactory(user=superuser, organisation=acme, role=Membership.Role.MENTOR)
    assert role_on_organisation(superuser, acme) == Role.ADMIN
    assert role_on_organisation(AnonymousUser(), acme) is None


# --- the SQL twin agrees with role_of, whatever the relationships -------------------------------

N_USERS, N_ORGS, N_APPRENTICESHIPS = 4, 3, 4
PARTNERSHIP_STATES = [None, "proposed", "active", "ended", "ended_then_active"]

worlds = st.fixed_dictionaries(
    {
        "users": st.lists(
            st.tuples(st.booleans(), st.booleans()),  # (superuser, active)
            min_size=N_USERS,
            max_size=N_USERS,
        ),
        "kinds": st.lists(
            st.sampled_from(["employer", "provider"]), min_size=N_ORGS, max_size=N_ORGS
        ),
        "memberships": st.lists(
            st.sampled_from([None, "manager", "mentor", "tutor"]),
            min_size=N_USERS * N_ORGS,
            max_size=N_USERS * N_ORGS,
        ),
        # A partnership state for each ordered pair (employer, provider) of organisations.
        "partnerships": st.lists(
            st.sampled_from(PARTNERSHIP_STATES),
            min_size=N_ORGS * N_ORGS,
            max_size=N_ORGS * N_ORGS,
        ),
        "apprenticeships": st.lists(
            st.tuples(
                st.integers(0, N_ORGS - 1),  # employer
                st.one_of(st.none(), st.integers(0, N_USERS - 1)),  # apprentice
                st.one_of(st.none(), st.integers(0, N_USERS - 1)),  # mentor
                st.one_of(st.none(), st.integers(0, N_ORGS - 1)),  # provider
                st.one_of(st.none(), st.integers(0, N_USERS - 1)),  # tutor
                st.sampled_from(["active", "completed", "withdrawn"]),
            ),
            min_size=N_APPRENTICESHIPS,
            max_size=N_APPRENTICESHIPS,
        ),
        # End-point assessor access: (user, apprenticeship, days to its last day, accepted,
        # revoked); a party to the apprenticeship may hold one too (their party's role wins).
        "assessors": st.lists(
            st.tuples(
                st.integers(0, N_USERS - 1),
                st.integers(0, N_APPRENTICESHIPS - 1),
                st.sampled_from([-1, 0, 1]),
                st.booleans(),
                st.booleans(),
            ),
            max_size=4,
        ),
    }
)


def _partner(employer, provider, state, user):
    from django.utils import timezone

    from accounts.models import Partnership

    if state is None or employer == provider:
        return
    now = timezone.now()
    if state.startswith("ended"):
        Partnership.objects.create(
            employer=employer,
            provider=provider,
            proposed_by=employer,
            proposed_at=now,
            accepted_at=now,
            ended_at=now,
        )
    if state in ("proposed", "active", "ended_then_active"):
        Partnership.objects.create(
            employer=employer,
            provider=provider,
            proposed_by=provider,
            proposed_by_user=user,
            accepted_at=None if state == "proposed" else now,
        )


def _build(world):
    users = [
        UserFactory(is_superuser=superuser, is_active=active)
        for superuser, active in world["users"]
    ]
    organisations = [OrganisationFactory(kind=kind) for kind in world["kinds"]]
    for index, role in enumerate(world["memberships"]):
        if role:
            Membership.objects.create(
                user=users[index // N_ORGS], organisation=organisations[index % N_ORGS], role=role
            )
    for index, state in enumerate(world["partnerships"]):
        _partner(organisations[index // N_ORGS], organisations[index % N_ORGS], state, users[0])
    apprenticeships = []
    for row in world["apprenticeships"]:
        organisation, apprentice, mentor, provider, tutor, status = row
        if mentor is not None and mentor == apprentice:
            mentor = None
        if tutor is not None and (tutor == apprentice or provider is None):
            tutor = None
        apprenticeships.append(
            ApprenticeshipFactory(
                organisation=organisations[organisation],
                apprentice=None if apprentice is None else users[apprentice],
                mentor=None if mentor is None else users[mentor],
                provider=None if provider is None else organisations[provider],
                tutor=None if tutor is None else users[tutor],
                status="pending" if apprentice is None else status,
            )
        )
    for user, apprenticeship, days, accepted, revoked in world["assessors"]:
        access, _ = assessor_access(
            apprenticeships[apprenticeship], users[user] if accepted else None, days=days
        )
        if revoked:
            AssessorAccess.objects.filter(pk=access.pk).update(revoked_at=access.invited_at)
    return users, organisations, apprenticeships


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds)
def test_sql_and_python_give_every_user_the_same_role_everywhere(db, world):
    with transaction.atomic():
        users, organisations, apprenticeships = _build(world)
        for user in users:
            for apprenticeship in apprenticeships:
                role = role_of(user, apprenticeship)
                matching = {
                    candidate
                    for candidate in Role
                    if Apprenticeship.objects.filter(
                        apprenticeships_where(user, {candidate}), pk=apprenticeship.pk
                    ).exists()
                }
                assert matching == ({role} if role else set()), (user, apprenticeship)
                # What a user sees everywhere else leaves the assessor's apprenticeship out.
                assert Apprenticeship.objects.visible_to(user).filter(
                    pk=apprenticeship.pk
                ).exists() is (role not in (None, Role.ASSESSOR))
                assert Apprenticeship.objects.filter(
                    apprenticeships_where(user, set(Role)), pk=apprenticeship.pk
                ).exists() is (role is not None)
            for organisation in organisations:
                role = role_on_organisation(user, organisation)
                matching = {
                    candidate
                    for candidate in Role
                    if Organisation.objects.filter(
                        organisations_where(user, {candidate}), pk=organisation.pk
                    ).exists()
                }
                assert matching == ({role} if role else set()), (user, organisation)
            # The dashboard reads the same people from its tally's copies of them.
            visible = set(Apprenticeship.objects.visible_to(user).values_list("pk", flat=True))
            assert set(visible_tallies(user).values_list("pk", flat=True)) == visible, user
        transaction.set_rollback(True)


# --- entry points -------------------------------------------------------------------------------


def test_get_apprenticeship_for_returns_the_role_in_one_query(
    acme_people, django_assert_num_queries
):
    """One query for the row; the user's memberships are read once per request (the
    navigation reads them on every page) and then asked of no more."""
    pk = acme_people["apprenticeship"].pk
    with django_assert_num_queries(2):  # the row, and the mentor's memberships the first time
        apprenticeship, role = get_apprenticeship_for(acme_people["men"], pk)
    assert (apprenticeship.pk, role) == (pk, Role.MENTOR)
    with django_assert_num_queries(1):
        get_apprenticeship_for(acme_people["men"], pk)
    acme_people["man"].organisation_roles  # noqa: B018 (read as a page's navigation does)
    with django_assert_num_queries(1):
        _, role = get_apprenticeship_for(acme_people["man"], pk, action=Action.CHANGE_STATUS)
    assert role == Role.MANAGER


def test_get_apprenticeship_for_is_404_without_a_role_and_403_without_the_right(acme_people):
    pk = acme_people["apprenticeship"].pk
    with pytest.raises(Http404):
        get_apprenticeship_for(UserFactory(), pk)
    with pytest.raises(Http404):
        get_apprenticeship_for(acme_people["men"], 999999)
    with pytest.raises(NotAllowed):
        get_apprenticeship_for(acme_people["men"], pk, action=Action.EDIT_APPRENTICESHIP)
    with pytest.raises(NotAllowed):
        get_apprenticeship_for(acme_people["app"], pk, action=Action.DECIDE_EVIDENCE)
    queryset = Apprenticeship.objects.filter(status="withdrawn")
    with pytest.raises(Http404):
        get_apprenticeship_for(acme_people["app"], pk, queryset=queryset)


def test_get_record_for_looks_up_through_the_apprenticeship(acme_people, django_assert_num_queries):
    evidence = EvidenceFactory(apprenticeship=acme_people["apprenticeship"])
    acme_people["men"].organisation_roles  # noqa: B018 (read as a page's navigation does)
    with django_assert_num_queries(1):
        found, role = get_record_for(acme_people["men"], Evidence.objects.all(), pk=evidence.pk)
        assert found.apprenticeship.mentor_id == acme_people["men"].pk
    assert (found, role) == (evidence, Role.MENTOR)
    with pytest.raises(Http404):
        get_record_for(UserFactory(), Evidence.objects.all(), pk=evidence.pk)
    with pytest.raises(NotAllowed):
        get_record_for(
            acme_people["men"], Evidence.objects.all(), pk=evidence.pk, action=Action.LOG_EVIDENCE
        )
    _, role = get_record_for(
        acme_people["app"], Evidence.objects.all(), pk=evidence.pk, action=Action.LOG_EVIDENCE
    )
    assert role == Role.APPRENTICE


def test_get_organisation_for(acme_people, acme, globex, superuser):
    assert get_organisation_for(acme_people["men"], acme.pk) == (acme, Role.MENTOR)
    assert get_organisation_for(superuser, globex.pk, action=Action.MANAGE_PEOPLE) == (
        globex,
        Role.ADMIN,
    )
    with pytest.raises(NotAllowed):
        get_organisation_for(acme_people["men"], acme.pk, action=Action.MANAGE_PEOPLE)
    for user, pk in ((acme_people["app"], acme.pk), (acme_people["man"], globex.pk)):
        with pytest.raises(Http404):
            get_organisation_for(user, pk)
    with pytest.raises(Http404):
        get_organisation_for(AnonymousUser(), acme.pk)


def test_check_asks_the_database_now(acme_people):
    apprenticeship, _ = get_apprenticeship_for(acme_people["men"], acme_people["apprenticeship"].pk)
    assert check(acme_people["men"], apprenticeship, Action.DECIDE_EVIDENCE) == Role.MENTOR
    Membership.objects.filter(user=acme_people["men"]).delete()
    with pytest.raises(NotAllowed):
        check(acme_people["men"], apprenticeship, Action.DECIDE_EVIDENCE)


def test_own_mentor_is_refused_by_the_model_and_the_database(acme_people):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError

    apprenticeship = acme_people["apprenticeship"]
    apprenticeship.mentor = acme_people["app"]
    with pytest.raises(ValidationError) as refused:
        apprenticeship.full_clean()
    assert "mentor" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Apprenticeship.objects.filter(pk=apprenticeship.pk).update(mentor=acme_people["app"])


# --- templates and the README ask the same table ------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _templates():
    """Every template of both engines (Django's in templates/, Jinja2's in jinja2/)."""
    return [path for folder in ("templates", "jinja2") for path in (ROOT / folder).rglob("*.html")]


def test_templates_ask_only_for_actions_the_table_knows():
    asked = set()
    for path in _templates():
        asked |= set(re.findall(r"role\.can\.(\w+)", path.read_text()))
    assert asked, "templates ask the permission table through role.can"
    assert asked <= {action.value for action in Action}, asked - set(Action.values)


def test_no_template_compares_ids():
    for path in _templates():
        text = path.read_text()
        assert not re.search(r"_id\s*==|==\s*\S*\.pk\b|\.pk\s*==|user\.pk", text), path


def test_the_readme_shows_who_may_do_what_from_the_table():
    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme, "README's table differs: paste markdown_table() in"


def test_nobody_anonymous_or_inactive_gets_anything(acme_people, acme):
    evidence = EvidenceFactory(apprenticeship=acme_people["apprenticeship"])
    inactive = acme_people["man"]
    inactive.is_active = False
    inactive.save()
    for user in (AnonymousUser(), inactive):
        with pytest.raises(Http404):
            get_apprenticeship_for(user, acme_people["apprenticeship"].pk)
        with pytest.raises(Http404):
            get_record_for(user, Evidence.objects.all(), pk=evidence.pk)
        with pytest.raises(Http404):
            get_organisation_for(user, acme.pk)


def test_a_superuser_is_admin_everywhere_in_one_query(
    acme_people, acme, superuser, django_assert_num_queries
):
    evidence = EvidenceFactory(apprenticeship=acme_people["apprenticeship"])
    with django_assert_num_queries(1):
        _, role = get_apprenticeship_for(
            superuser, acme_people["apprenticeship"].pk, action=Action.EDIT_APPRENTICESHIP
        )
    assert role == Role.ADMIN
    with django_assert_num_queries(1):
        assert get_record_for(superuser, Evidence.objects.all(), pk=evidence.pk)[1] == Role.ADMIN
    with django_assert_num_queries(1):
        assert get_organisation_for(superuser, acme.pk)[1] == Role.ADMIN


def test_organisation_and_record_lookups_take_one_query(
    acme_people, acme, django_assert_num_queries
):
    first = EvidenceFactory(apprenticeship=acme_people["apprenticeship"])
    second = EvidenceFactory(apprenticeship=acme_people["apprenticeship"])
    acme_people["man"].organisation_roles  # noqa: B018 (read as a page's navigation does)
    with django_assert_num_queries(1):
        assert get_organisation_for(acme_people["man"], acme.pk) == (acme, Role.MANAGER)
    with django_assert_num_queries(1):
        found, _ = get_record_for(acme_people["app"], Evidence.objects.all(), pk=second.pk)
    assert found == second != first


def test_managers_of_an_apprenticeship(acme_people, acme, globex, superuser):
    apprenticeship = acme_people["apprenticeship"]
    second = UserFactory()
    MembershipFactory(user=second, organisation=acme, role=Membership.Role.MANAGER)
    MembershipFactory(user=UserFactory(), organisation=globex, role=Membership.Role.MANAGER)
    gone = UserFactory(is_active=False)
    MembershipFactory(user=gone, organisation=acme, role=Membership.Role.MANAGER)
    assert set(managers_of(apprenticeship)) == {acme_people["man"], second}
    MembershipFactory(
        user=acme_people["app"], organisation=acme, role=Membership.Role.MANAGER
    )  # the apprentice is never told about their own apprenticeship as its manager
    assert set(managers_of(apprenticeship)) == {acme_people["man"], second}
    pending = ApprenticeshipFactory(organisation=acme, apprentice=None, status="pending")
    assert set(managers_of(pending)) == {acme_people["man"], second, acme_people["app"]}
