"""Inviting apprentices and members, and every way an invitation link can be used."""

import re
from datetime import date, timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    Apprenticeship,
    Invitation,
    Membership,
    OutgoingEmail,
    User,
    hash_token,
)
from accounts.views import NOT_SENT_YET
from tests.conftest import verified_user
from tests.factories import PASSWORD, StandardFactory, invitation_with_token

pytestmark = pytest.mark.django_db


def invite_url(organisation):
    return reverse("accounts:apprentice-invite", kwargs={"pk": organisation.pk})


def accept_url(token):
    return reverse("accounts:invitation-accept", kwargs={"token": token})


def link_in(message):
    match = re.search(r"https?://\S+/invite/(\S+)/", message.body)
    assert match, message.body
    return match[1]


@pytest.fixture
def form_data(standard, mentor):
    return {
        "email": "Ann.Learner@Example.COM",
        "full_name": "  Ann   Learner ",
        "standard": standard.pk,
        "start_date": "2026-09-01",
        "planned_end_date": "2028-08-31",
        "mentor": mentor.pk,
        "weekly_hours": "30",
        "otj_target_hours": "",
    }


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


# --- inviting an apprentice --------------------------------------------------------------------


def test_manager_invites_an_apprentice(manager_client, acme, form_data, mailoutbox, manager):
    response = manager_client.post(invite_url(acme), form_data)
    assert response.status_code == 302
    assert response.url == acme.get_absolute_url()
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.full_name) == ("Ann.Learner@example.com", "Ann Learner")
    assert invitation.invited_by == manager
    assert invitation.expires_at - invitation.sent_at == timedelta(days=14)
    apprenticeship = invitation.apprenticeship
    assert apprenticeship.status == Apprenticeship.Status.PENDING
    assert apprenticeship.apprentice is None
    assert apprenticeship.organisation == acme
    assert apprenticeship.otj_target_hours == apprenticeship.default_otj_target_hours == 626
    (message,) = mailoutbox
    assert message.to == ["Ann.Learner@example.com"]
    assert "Acme Digital" in message.subject
    assert "Ann Learner" in message.body and "14 days" in message.body
    token = link_in(message)
    assert invitation.token_hash == hash_token(token)
    assert token not in str(Invitation.objects.values_list())  # only the hash is stored


def test_standard_choices_put_st0825_first(manager_client, acme, standard):
    StandardFactory(reference="ST0116", title="Software developer")
    form = manager_client.get(invite_url(acme)).context["form"]
    assert form.fields["standard"].queryset.first().reference == "ST0825"


def test_mentor_choices_are_the_organisations_members(
    manager_client, acme, manager, mentor, other_manager
):
    form = manager_client.get(invite_url(acme)).context["form"]
    assert set(form.fields["mentor"].queryset) == {manager, mentor}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"full_name": "   "}, "full_name", "This field is required."),
        ({"planned_end_date": "2026-08-01"}, "planned_end_date", "must be after the start date"),
        ({"start_date": "31/02/2026"}, "start_date", "Enter a valid date."),
        ({"weekly_hours": "0"}, "weekly_hours", "greater than or equal to 1"),
        ({"otj_target_hours": "-5"}, "otj_target_hours", "greater than or equal to 0"),
        ({"standard": "999999"}, "standard", "Choose a standard version that is approved"),
        ({"mentor": "999999"}, "mentor", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_keeps_what_was_typed(
    manager_client, acme, form_data, mailoutbox, changes, field, message
):
    response = manager_client.post(invite_url(acme), {**form_data, **changes})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert 'role="alert"' in html and "There is a problem" in html
    assert 'value="Ann.Learner@Example.COM"' in html or field == "email"
    assert not Invitation.objects.exists() and not Apprenticeship.objects.exists()
    assert mailoutbox == []


def test_a_mentor_of_another_organisation_is_refused(
    manager_client, acme, form_data, other_manager
):
    response = manager_client.post(invite_url(acme), {**form_data, "mentor": other_manager.pk})
    assert "mentor" in response.context["form"].errors
    assert not Apprenticeship.objects.exists()


def test_a_second_pending_invitation_for_the_same_person_and_standard_is_refused(
    manager_client, acme, form_data
):
    manager_client.post(invite_url(acme), form_data)
    response = manager_client.post(
        invite_url(acme), {**form_data, "email": "ann.learner@example.com"}
    )
    assert "already has a pending invitation" in response.context["form"].errors["email"][0]
    assert Invitation.objects.count() == 1


def test_when_the_mail_cannot_be_sent_the_invitation_stands_and_the_mail_waits(
    manager_client, acme, form_data
):
    with mock.patch("accounts.outbox.EmailMultiAlternatives.send", side_effect=OSError("down")):
        response = manager_client.post(invite_url(acme), form_data, follow=True)
    assert response.redirect_chain == [(acme.get_absolute_url(), 302)]
    html = response.content.decode()
    assert NOT_SENT_YET.strip() in html
    assert "Not sent yet, retrying" in html
    invitation = Invitation.objects.get()
    assert invitation.apprenticeship.status == Apprenticeship.Status.PENDING
    email = OutgoingEmail.objects.about(invitation).get()
    assert (email.status, email.attempts, email.to) == ("retrying", 1, "Ann.Learner@example.com")
    assert email.last_error == "OSError: down"


def test_a_resend_while_the_mail_is_down_still_replaces_the_link(manager_client, pending):
    invitation, token = pending
    url = reverse("accounts:invitation-resend", kwargs={"pk": invitation.pk})
    with mock.patch("accounts.outbox.EmailMultiAlternatives.send", side_effect=OSError("down")):
        response = manager_client.post(url, follow=True)
    assert NOT_SENT_YET.strip() in response.content.decode()
    assert not Invitation.objects.by_token(token).exists()
    assert OutgoingEmail.objects.about(invitation).get().status == "retrying"


def test_mentors_cannot_invite_and_outsiders_get_404(
    client, acme, mentor, other_manager, form_data
):
    client.force_login(mentor)
    assert client.get(invite_url(acme)).status_code == 403
    assert client.post(invite_url(acme), form_data).status_code == 403
    client.force_login(other_manager)
    assert client.get(invite_url(acme)).status_code == 404
    assert not Invitation.objects.exists()


# --- accepting ---------------------------------------------------------------------------------


@pytest.fixture
def pending(acme, standard, mentor, manager):
    return invitation_with_token(
        organisation=acme,
        email="ann@example.com",
        full_name="Ann Learner",
        invited_by=manager,
        apprenticeship__standard=standard,
        apprenticeship__mentor=mentor,
    )


def test_anyone_with_the_link_sees_what_it_is_for(client, pending):
    _, token = pending
    response = client.get(accept_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your apprenticeship at Acme Digital" in html
    assert "Mina Mentor" in html
    assert f"{reverse('account_signup')}?email=ann%40example.com" in html


def test_a_new_user_signs_up_from_the_link_and_the_apprenticeship_becomes_theirs(
    client, pending, mailoutbox
):
    invitation, token = pending
    client.get(accept_url(token))
    response = client.post(
        f"{reverse('account_signup')}?next={accept_url(token)}",
        {
            "email": "ann@example.com",
            "full_name": "Ann Learner",
            "password1": "a-strong-pass-4321",
            "password2": "a-strong-pass-4321",
            "next": accept_url(token),
        },
    )
    # The address came through the invitation: no verification mail, straight back to the link.
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == accept_url(token)
    assert mailoutbox == []
    user = User.objects.get(email="ann@example.com")
    assert EmailAddress.objects.get(user=user).verified
    response = client.post(accept_url(token))
    apprenticeship = Apprenticeship.objects.get(pk=invitation.apprenticeship_id)
    assert response.status_code == 302
    assert response.url == apprenticeship.get_absolute_url()
    assert apprenticeship.apprentice == user
    assert apprenticeship.status == Apprenticeship.Status.ACTIVE
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at
    assert client.get(reverse("progress:start")).url == apprenticeship.get_absolute_url()


def test_an_existing_user_logs_in_and_accepts(client, pending):
    invitation, token = pending
    user = verified_user("ANN@example.com", "")
    page = client.get(accept_url(token)).content.decode()
    assert "Log in to accept" in page
    response = client.post(
        reverse("account_login"),
        {"login": "ann@example.com", "password": PASSWORD, "next": accept_url(token)},
    )
    assert response.url == accept_url(token)
    client.post(accept_url(token))
    apprenticeship = Apprenticeship.objects.get(pk=invitation.apprenticeship_id)
    assert apprenticeship.apprentice == user
    user.refresh_from_db()
    assert user.full_name == "Ann Learner"  # taken from the invitation when empty


def test_accepting_needs_a_post_and_a_login(client, pending):
    invitation, token = pending
    response = client.post(accept_url(token))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_different_logged_in_address_links_nothing(client, pending, apprentice):
    invitation, token = pending
    client.force_login(apprentice)
    response = client.get(accept_url(token))
    assert response.status_code == 403
    assert "This invitation is for someone else" in response.content.decode()
    assert client.post(accept_url(token)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert Apprenticeship.objects.get(pk=invitation.apprenticeship_id).apprentice is None


def _expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())


def _revoke(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())


def _use(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())


def _delete_apprenticeship_and_standard(invitation):
    standard = invitation.apprenticeship.standard
    invitation.apprenticeship.delete()
    standard.delete()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_use, "This invitation has already been used."),
        (_expire, "This invitation has expired."),
        (_revoke, "This invitation has been withdrawn by the organisation."),
        (
            _delete_apprenticeship_and_standard,
            "The apprenticeship this invitation was for no longer exists or has been withdrawn.",
        ),
    ],
)
def test_used_expired_revoked_or_orphaned_links_say_so_and_link_nothing(
    client, pending, spoil, message
):
    invitation, token = pending
    spoil(invitation)
    user = verified_user("ann@example.com", "Ann")
    for as_user in (None, user):
        if as_user:
            client.force_login(as_user)
        response = client.get(accept_url(token))
        assert response.status_code == 410
        assert message in response.content.decode()
        assert client.post(accept_url(token)).status_code == 410
    assert not Apprenticeship.objects.filter(apprentice=user).exists()


def test_an_unknown_link_is_404_with_a_clear_page(client, db):
    response = client.get(accept_url("not-a-real-token"))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_a_link_works_only_once(client, pending):
    _, token = pending
    client.force_login(verified_user("ann@example.com", "Ann"))
    assert client.post(accept_url(token)).status_code == 302
    assert client.post(accept_url(token)).status_code == 410


# --- resending and revoking ----------------------------------------------------------------------


def test_resend_sends_a_new_link_and_the_old_one_stops_working(manager_client, pending, mailoutbox):
    invitation, old_token = pending
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = manager_client.post(
        reverse("accounts:invitation-resend", kwargs={"pk": invitation.pk})
    )
    assert response.status_code == 302
    (message,) = mailoutbox
    new_token = link_in(message)
    assert new_token != old_token
    anonymous = manager_client.__class__()
    assert anonymous.get(accept_url(old_token)).status_code == 404
    assert anonymous.get(accept_url(new_token)).status_code == 200
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_resend_is_post_only(manager_client, pending):
    invitation, _ = pending
    url = reverse("accounts:invitation-resend", kwargs={"pk": invitation.pk})
    assert manager_client.get(url).status_code == 405


def test_revoke_asks_first_then_withdraws_the_pending_apprenticeship(manager_client, pending):
    invitation, token = pending
    url = reverse("accounts:invitation-revoke", kwargs={"pk": invitation.pk})
    page = manager_client.get(url)
    assert "Revoke the invitation for Ann Learner?" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert manager_client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED
    assert invitation.apprenticeship.status == Apprenticeship.Status.WITHDRAWN
    assert manager_client.get(accept_url(token)).status_code == 410


def test_an_accepted_invitation_can_be_neither_resent_nor_revoked(
    manager_client, pending, mailoutbox
):
    invitation, _ = pending
    _use(invitation)
    manager_client.post(reverse("accounts:invitation-resend", kwargs={"pk": invitation.pk}))
    manager_client.post(reverse("accounts:invitation-revoke", kwargs={"pk": invitation.pk}))
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert mailoutbox == []


def test_only_managers_resend_or_revoke(client, pending, mentor, other_manager):
    invitation, _ = pending
    for user, status in ((mentor, 403), (other_manager, 404)):
        client.force_login(user)
        for name in ("accounts:invitation-resend", "accounts:invitation-revoke"):
            assert client.post(reverse(name, kwargs={"pk": invitation.pk})).status_code == status
    invitation.refresh_from_db()
    assert invitation.is_pending


# --- members -----------------------------------------------------------------------------------


def test_manager_invites_a_mentor_who_joins(manager_client, acme, mailoutbox, client):
    response = manager_client.post(
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        {"email": "new.mentor@example.com", "full_name": "Nia New", "role": "mentor"},
    )
    assert response.status_code == 302
    token = link_in(mailoutbox[0])
    newcomer = verified_user("new.mentor@example.com", "Nia New")
    manager_client.force_login(newcomer)
    response = manager_client.post(accept_url(token))
    assert response.url == acme.get_absolute_url()
    assert Membership.objects.get(user=newcomer, organisation=acme).role == "mentor"


def test_an_existing_mentor_invited_as_manager_is_promoted(acme, mentor, manager, client):
    _, token = invitation_with_token(
        organisation=acme,
        kind="member",
        role="manager",
        apprenticeship=None,
        email=mentor.email,
        full_name="Mina Mentor",
    )
    client.force_login(mentor)
    client.post(accept_url(token))
    assert Membership.objects.get(user=mentor, organisation=acme).role == "manager"


@pytest.mark.parametrize(
    ("email", "message"),
    [("MENTOR@example.com", "already a member"), ("bad@", "Enter a valid email address.")],
)
def test_member_invite_refuses_members_and_bad_addresses(
    manager_client, acme, mentor, email, message
):
    response = manager_client.post(
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        {"email": email, "full_name": "X", "role": "mentor"},
    )
    assert message in response.context["form"].errors["email"][0]
    assert not Invitation.objects.exists()


def test_member_invite_refuses_an_unknown_role(manager_client, acme):
    response = manager_client.post(
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        {"email": "x@example.com", "full_name": "X", "role": "owner"},
    )
    assert "role" in response.context["form"].errors


def test_invitations_carry_no_usable_token_in_the_database(pending):
    invitation, token = pending
    assert len(invitation.token_hash) == 64 and token not in invitation.token_hash
    assert Invitation.objects.by_token(token).get() == invitation


def test_start_dates_in_the_future_show_month_zero(manager_client, acme, form_data):
    future = date.today() + timedelta(days=40)
    manager_client.post(
        invite_url(acme),
        {
            **form_data,
            "start_date": future.isoformat(),
            "planned_end_date": (future + timedelta(days=400)).isoformat(),
        },
    )
    assert Apprenticeship.objects.get().month_of_programme() == 0
