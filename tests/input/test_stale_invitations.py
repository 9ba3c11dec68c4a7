"""Stale rights and tokens: withdrawn, completed or deleted things take their invitations with
them, and an invitation link makes the account of the address it was sent to, saying so."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import Apprenticeship, Invitation, User
from accounts.status import apprenticeship_status_change
from tests.factories import PASSWORD, invitation_with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(acme, standard, manager):
    return invitation_with_token(
        organisation=acme,
        email="ann@example.com",
        full_name="Ann Learner",
        invited_by=manager,
        apprenticeship__standard=standard,
    )


def accept_url(token):
    return reverse("accounts:invitation-accept", kwargs={"token": token})


def test_withdrawing_a_pending_apprenticeship_revokes_its_invitation(client, pending, manager):
    invitation, token = pending
    client.force_login(manager)
    response = client.post(
        reverse("accounts:apprenticeship-status", kwargs={"pk": invitation.apprenticeship_id}),
        {"status": "withdrawn", "reason": "Chose another employer"},
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED
    assert invitation.revoked_by == manager
    # the link no longer brings it back, whoever opens it
    ann = User.objects.create_user(email="ann@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=ann, email=ann.email, verified=True, primary=True)
    client.force_login(ann)
    page = client.get(accept_url(token))
    assert "accounts/invitation_problem.html" in [t.name for t in page.templates]
    client.post(accept_url(token))
    apprenticeship = Apprenticeship.objects.get(pk=invitation.apprenticeship_id)
    assert (apprenticeship.status, apprenticeship.apprentice) == ("withdrawn", None)


def test_a_deleted_apprenticeship_leaves_its_invitation_void(pending):
    invitation, _ = pending
    invitation.apprenticeship.status_changes.all().delete()
    Apprenticeship.objects.filter(pk=invitation.apprenticeship_id).delete()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.VOID


def test_accepting_after_withdrawal_never_reactivates(pending, manager):
    """The service itself refuses, whatever a view does."""
    from accounts.services import InvitationError, invitation_accept

    invitation, _ = pending
    apprenticeship_status_change(
        apprenticeship=invitation.apprenticeship, to="withdrawn", by=manager, reason="Left"
    )
    ann = User.objects.create_user(email="ann@example.com", password=PASSWORD)
    with pytest.raises(InvitationError):
        invitation_accept(invitation=invitation, user=ann)
    invitation.apprenticeship.refresh_from_db()
    assert invitation.apprenticeship.status == "withdrawn"


# --- who an invitation makes ---------------------------------------------------------------------


def signup(client, token, email):
    return client.post(
        f"{reverse('account_signup')}?next={accept_url(token)}",
        {
            "email": email,
            "full_name": "Ann Learner",
            "password1": "a-strong-pass-4321",
            "password2": "a-strong-pass-4321",
            "next": accept_url(token),
        },
    )


def test_the_sign_up_page_shows_the_invited_address_as_the_login(client, pending):
    _, token = pending
    client.get(accept_url(token))
    page = client.get(reverse("account_signup")).content.decode()
    assert "Your login will be" in page
    assert "<strong>ann@example.com</strong>" in page


def test_signing_up_with_another_address_is_refused_beside_it(client, pending, manager):
    _, token = pending
    client.get(accept_url(token))
    response = signup(client, token, "someone.else@example.com")
    assert response.status_code == 200
    assert "signing up from the invitation to ann@example.com" in " ".join(
        response.context["form"].errors["email"]
    )
    assert not User.objects.filter(email__iendswith="example.com").exclude(pk=manager.pk).exists()


def test_signing_up_with_the_invited_address_makes_that_login_and_the_link_works_once(
    client, pending
):
    invitation, token = pending
    client.get(accept_url(token))
    assert signup(client, token, "ANN@example.com").status_code == 302
    assert User.objects.filter(email__iexact="ann@example.com").count() == 1
    client.post(accept_url(token))
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED
    # used once: opened again (by anyone) it says so and proves no address
    client.logout()
    page = client.get(accept_url(token))
    assert "accounts/invitation_problem.html" in [t.name for t in page.templates]
    assert not client.session.get("account_verified_email")


def test_without_an_invitation_any_address_signs_up(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "full_name": "New",
            "password1": "a-strong-pass-4321",
            "password2": "a-strong-pass-4321",
        },
    )
    assert User.objects.filter(email="new@example.com").exists()
