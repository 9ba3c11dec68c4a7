"""Landing, the apprenticeship pages, organisations, the profile and leaving."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import Invitation, Membership, Organisation, User
from tests.factories import (
    PASSWORD,
    ApprenticeshipFactory,
    InvitationFactory,
    MembershipFactory,
    PartnershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("progress:start")
LIST = reverse("progress:dashboard")


def detail(apprenticeship):
    return reverse("progress:apprenticeship-home", kwargs={"pk": apprenticeship.pk})


# --- landing ----------------------------------------------------------------------------------


def test_apprentice_lands_on_their_apprenticeship(client, apprenticeship, apprentice):
    client.force_login(apprentice)
    assert client.get(DASHBOARD).url == detail(apprenticeship)


def test_employers_land_on_the_list(client, apprenticeship, mentor, manager, superuser):
    for user in (mentor, manager, superuser):
        client.force_login(user)
        assert client.get(DASHBOARD).url == LIST


def test_someone_with_nothing_yet_gets_first_steps(client, user):
    client.force_login(user)
    response = client.get(DASHBOARD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:get-started")
    assert "Set up your organisation" in response.content.decode()


def test_apprentice_with_two_apprenticeships_lands_on_a_list_of_their_own(
    client, apprenticeship, apprentice, standard, globex
):
    second = ApprenticeshipFactory(apprentice=apprentice, standard=standard, organisation=globex)
    client.force_login(apprentice)
    assert client.get(DASHBOARD).url == LIST
    shown = {a.pk for a in client.get(LIST).context["rows"]}
    assert shown == {apprenticeship.pk, second.pk}


# --- list and detail --------------------------------------------------------------------------


def test_detail_shows_real_programme_data(client, apprentice, apprenticeship):
    client.force_login(apprentice)
    html = client.get(detail(apprenticeship)).content.decode()
    assert "Your apprenticeship" in html
    assert "DevOps engineer (ST0825 v1.0, level 4) at Acme Digital" in html
    assert "Mina Mentor" in html
    assert f"{apprenticeship.otj_target_hours} hours" in html
    assert (
        f"Month {apprenticeship.month_of_programme()} of {apprenticeship.duration_months}" in html
    )
    assert "3 duties, 9 KSBs (4 K, 3 S, 2 B)" in html
    assert "Edit mentor" not in html


def test_detail_escapes_what_users_typed(client, manager, acme, standard):
    evil = UserFactory(full_name="<script>alert(1)</script>")
    apprenticeship = ApprenticeshipFactory(apprentice=evil, organisation=acme, standard=standard)
    client.force_login(manager)
    for url in (LIST, detail(apprenticeship)):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("extra", [1, 6])
def test_detail_query_count_does_not_grow(
    client, manager, apprenticeship, acme, standard, django_assert_num_queries, extra
):
    InvitationFactory.create_batch(extra, organisation=acme, apprenticeship=apprenticeship)
    client.force_login(manager)
    # The whole home page: scans, duties, hours, reviews, and (for a manager) newer versions;
    # the bell's unread count.
    with django_assert_num_queries(14):
        client.get(detail(apprenticeship))


def test_someone_elses_apprenticeship_is_404(
    client, apprenticeship, other_apprentice, other_manager
):
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        assert client.get(detail(apprenticeship)).status_code == 404


# --- editing an apprenticeship -------------------------------------------------------------------


def edit(apprenticeship):
    return reverse("accounts:apprenticeship-edit", kwargs={"pk": apprenticeship.pk})


def test_manager_changes_mentor_and_target_but_not_the_working_week(
    client, manager, apprenticeship
):
    """The edit form no longer rewrites the weekly hours: a change made there left no record
    and turned the target into a hand-set one. It points to the hours page instead."""
    client.force_login(manager)
    before = apprenticeship.weekly_hours
    page = client.get(edit(apprenticeship))
    assert "weekly_hours" not in page.context["form"].fields
    hours_page = reverse("tracker:hours", kwargs={"pk": apprenticeship.pk})
    assert f'href="{hours_page}#working-hours-heading"' in page.content.decode()
    response = client.post(
        edit(apprenticeship),
        {
            "mentor": manager.pk,
            "start_date": apprenticeship.start_date.isoformat(),
            "planned_end_date": apprenticeship.planned_end_date.isoformat(),
            "weekly_hours": "37.5",
            "otj_target_hours": "",
        },
    )
    assert response.status_code == 302
    apprenticeship.refresh_from_db()
    assert apprenticeship.mentor == manager
    assert apprenticeship.otj_target_hours == apprenticeship.default_otj_target_hours
    assert apprenticeship.weekly_hours == before
    assert not apprenticeship.working_hours_changes.exists()


@pytest.mark.parametrize("status", ["gateway", "completed", "pending", "withdrawn"])
def test_a_status_posted_to_the_edit_form_changes_nothing(client, manager, apprenticeship, status):
    client.force_login(manager)
    assert "status" not in client.get(edit(apprenticeship)).context["form"].fields
    response = client.post(
        edit(apprenticeship),
        {
            "mentor": apprenticeship.mentor_id,
            "start_date": apprenticeship.start_date.isoformat(),
            "planned_end_date": apprenticeship.planned_end_date.isoformat(),
            "weekly_hours": "30",
            "otj_target_hours": "",
            "status": status,
        },
    )
    assert response.status_code == 302
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == "active"
    assert not apprenticeship.status_changes.exists()


def test_the_apprentice_is_never_offered_as_their_own_mentor(
    client, manager, acme, apprenticeship, apprentice
):
    MembershipFactory(user=apprentice, organisation=acme, role=Membership.Role.MENTOR)
    client.force_login(manager)
    form = client.get(edit(apprenticeship)).context["form"]
    assert apprentice not in form.fields["mentor"].queryset
    response = client.post(
        edit(apprenticeship),
        {
            "mentor": apprentice.pk,
            "start_date": apprenticeship.start_date.isoformat(),
            "planned_end_date": apprenticeship.planned_end_date.isoformat(),
            "weekly_hours": "30",
            "otj_target_hours": "",
        },
    )
    assert response.status_code == 200
    assert "mentor" in response.context["form"].errors
    apprenticeship.refresh_from_db()
    assert apprenticeship.mentor_id != apprentice.pk


def test_edit_refuses_bad_input_and_keeps_it(client, manager, apprenticeship, other_manager):
    client.force_login(manager)
    response = client.post(
        edit(apprenticeship),
        {
            "mentor": other_manager.pk,
            "start_date": "2026-01-10",
            "planned_end_date": "2025-01-10",
            "weekly_hours": "99",
            "otj_target_hours": "-3",
            "status": "active",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"mentor", "otj_target_hours"}
    assert 'value="2025-01-10"' in response.content.decode()
    before = apprenticeship.planned_end_date
    apprenticeship.refresh_from_db()
    assert apprenticeship.planned_end_date == before


def test_only_managers_edit(client, apprenticeship, mentor, apprentice, other_manager):
    for user, status in ((mentor, 403), (apprentice, 403), (other_manager, 404)):
        client.force_login(user)
        assert client.get(edit(apprenticeship)).status_code == status


# --- organisations -------------------------------------------------------------------------------


def test_an_employer_creates_their_organisation_and_becomes_manager(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:organisation-create"), {"name": "  New  Co "})
    organisation = Organisation.objects.get()
    assert response.url == organisation.get_absolute_url()
    assert organisation.name == "New Co"
    assert Membership.objects.get(user=user).role == "manager"
    assert client.get(DASHBOARD).url == LIST


def test_organisation_name_is_required(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:organisation-create"), {"name": "   "})
    assert "name" in response.context["form"].errors
    assert not Organisation.objects.exists()


def test_organisation_page_lists_people_and_open_invitations(
    client, manager, mentor, acme, standard
):
    InvitationFactory(organisation=acme, full_name="Ivy Invitee", apprenticeship__standard=standard)
    client.force_login(manager)
    html = client.get(acme.get_absolute_url()).content.decode()
    assert "Morgan Manager" in html and "Mina Mentor" in html
    assert "Ivy Invitee" in html and "Resend" in html and "Revoke" in html
    client.force_login(mentor)
    html = client.get(acme.get_absolute_url()).content.decode()
    assert "Ivy Invitee" in html and "Resend" not in html and "Invite an apprentice" not in html


# --- profile and leaving ----------------------------------------------------------------


def test_profile_edits_the_name(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"full_name": " Samantha  Someone "})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Samantha Someone"


def test_profile_refuses_an_empty_name(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"full_name": "  "})
    assert response.status_code == 200
    assert "Enter your name." in response.content.decode()


def delete_account(client, password=PASSWORD):
    return client.post(reverse("accounts:account-delete"), {"password": password})


def test_delete_page_explains_what_happens_to_the_records(client, apprentice, apprenticeship):
    client.force_login(apprentice)
    html = client.get(reverse("accounts:account-delete")).content.decode()
    assert "Your apprenticeship records stay with your employer" in html
    assert "DevOps engineer" in html and "Acme Digital" in html


def test_deleting_needs_the_password(client, user):
    client.force_login(user)
    response = delete_account(client, "wrong")
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=user.pk, is_active=True).exists()


def test_an_apprentice_who_leaves_keeps_their_records_with_the_employer(
    client, apprentice, apprenticeship
):
    client.force_login(apprentice)
    response = delete_account(client)
    assert response.url == reverse("progress:welcome")
    assert "_auth_user_id" not in client.session
    apprenticeship.refresh_from_db()
    ghost = apprenticeship.apprentice
    assert ghost.pk == apprentice.pk
    assert (ghost.full_name, ghost.is_active, ghost.has_usable_password()) == (
        "Deleted user",
        False,
        False,
    )
    assert "apprentice@example.com" not in ghost.email
    assert not EmailAddress.objects.filter(user=ghost).exists()
    assert not client.login(username="apprentice@example.com", password=PASSWORD)


def test_a_mentor_who_leaves_is_removed_and_their_apprentices_have_no_mentor(
    client, mentor, apprenticeship
):
    client.force_login(mentor)
    delete_account(client)
    assert not User.objects.filter(pk=mentor.pk).exists()
    apprenticeship.refresh_from_db()
    assert apprenticeship.mentor is None


def test_the_only_manager_cannot_leave(client, manager, acme):
    client.force_login(manager)
    page = client.get(reverse("accounts:account-delete")).content.decode()
    assert "You are the only manager of" in page
    delete_account(client)
    assert User.objects.filter(pk=manager.pk, is_active=True).exists()
    assert Membership.objects.filter(user=manager, organisation=acme).exists()


@pytest.mark.parametrize("extra", [1, 10])
def test_organisation_page_query_count_does_not_grow(
    client, manager, acme, standard, django_assert_num_queries, extra
):
    for _ in range(extra):
        MembershipFactory(organisation=acme)
    InvitationFactory.create_batch(extra, organisation=acme, apprenticeship__standard=standard)
    InvitationFactory.create_batch(
        extra, organisation=acme, kind="member", role="mentor", apprenticeship=None
    )
    for _ in range(extra):
        PartnershipFactory(employer=acme)
    client.force_login(manager)
    ContentType.objects.get_for_model(Invitation)  # cached for the process, as in production
    # 7 before the bell's unread count (issue 15), 9 with the partnerships (issue 16)
    with django_assert_num_queries(9):
        client.get(acme.get_absolute_url())


def test_changing_the_email_address_needs_verification(client, user, mailoutbox):
    client.force_login(user)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "new.address@example.com"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "someone@example.com"
    assert "new.address@example.com" in mailoutbox[0].to
