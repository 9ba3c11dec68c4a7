"""A mail server that is down: every action that sends an e-mail either succeeds without it or
is refused with a message, never a server error; nothing is left half done; the failure is
logged."""

import logging
import smtplib

import pytest
from allauth.account.models import EmailAddress
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from accounts.models import Apprenticeship, Invitation, User
from tests.factories import PASSWORD, EvidenceFactory, UserFactory, invitation_with_token, make_scan

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class Disconnected(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class Refused(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture(params=["Disconnected", "Refused"])
def mail_down(request, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.{request.param}"
    return mailoutbox


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def logged(caplog):
    return [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- allauth's e-mails -------------------------------------------------------------------------


SIGNUP = {
    "email": "new.person@example.com",
    "full_name": "New Person",
    "password1": "a-strong-pass-4321",
    "password2": "a-strong-pass-4321",
}


def test_sign_up_keeps_the_account_and_sends_the_confirmation_at_the_next_sign_in(
    client, mail_down, caplog, settings
):
    response = client.post(reverse("account_signup"), SIGNUP, follow=True)
    assert response.redirect_chain == [(reverse("account_login"), 302)]
    assert any("could not send the e-mail to confirm" in m for m in messages_of(response))
    user = User.objects.get(email="new.person@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session
    assert "email_confirmation_signup" in logged(caplog)[0].getMessage()

    settings.EMAIL_BACKEND = LOCMEM  # the mail server is back
    response = log_in(client, SIGNUP["email"], SIGNUP["password1"])
    assert response.url == reverse("account_email_verification_sent")
    (message,) = mail_down
    assert message.to == [SIGNUP["email"]]


def test_sign_up_with_a_taken_address_says_the_same(client, user, mail_down, caplog):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": user.email}, follow=True)
    assert response.redirect_chain == [(reverse("account_login"), 302)]
    assert any("could not send the e-mail to confirm" in m for m in messages_of(response))
    assert User.objects.filter(email=user.email).count() == 1
    assert logged(caplog)


@pytest.mark.parametrize("email", ["someone@example.com", "nobody@example.com"])
def test_password_reset_says_the_mail_did_not_go(client, user, mail_down, caplog, email):
    url = reverse("account_reset_password")
    response = client.post(url, {"email": email}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert any(f"could not send the e-mail to {email}" in m for m in messages_of(response))
    assert logged(caplog)


def test_signing_in_unconfirmed_says_the_mail_did_not_go_and_the_next_try_sends_it(
    client, mail_down, caplog, settings
):
    UserFactory(email="unconfirmed@example.com")
    url = reverse("account_login")
    response = client.post(
        url, {"login": "unconfirmed@example.com", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(url, 302)]
    assert any("could not send the e-mail" in m for m in messages_of(response))
    assert "_auth_user_id" not in client.session
    assert logged(caplog)

    settings.EMAIL_BACKEND = LOCMEM
    log_in(client, "unconfirmed@example.com")
    assert len(mail_down) == 1


@pytest.fixture
def signed_in(client, user):
    """Signed in through the form, as e-mail changes need a recent sign-in."""
    log_in(client, user.email)
    return client


def test_resending_a_confirmation_says_it_did_not_go(signed_in, user, mail_down, caplog):
    EmailAddress.objects.create(user=user, email="new@example.com")
    url = reverse("account_email")
    response = signed_in.post(url, {"action_send": "", "email": "new@example.com"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert any("could not send the e-mail to new@example.com" in m for m in messages_of(response))
    assert logged(caplog)


def test_changing_the_address_says_the_mail_did_not_go_and_keeps_the_old_one(
    signed_in, user, mail_down, caplog
):
    url = reverse("account_email")
    response = signed_in.post(url, {"action_add": "", "email": "new@example.com"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert any("could not send the e-mail to new@example.com" in m for m in messages_of(response))
    user.refresh_from_db()
    assert user.email == "someone@example.com"
    assert EmailAddress.objects.get(user=user, primary=True).email == "someone@example.com"
    assert logged(caplog)


# --- the app's own e-mails ---------------------------------------------------------------------


def test_a_decision_stands_when_the_apprentice_cannot_be_told(
    client, apprenticeship, mentor, mail_down, caplog
):
    evidence = EvidenceFactory(
        apprenticeship=apprenticeship,
        status="submitted",
        ksbs=[apprenticeship.standard.ksbs.first()],
    )
    client.force_login(mentor)
    response = client.post(
        reverse("tracker:evidence-decide", kwargs={"pk": evidence.pk}),
        {"decision": "accepted", "ksbs": [k.pk for k in evidence.ksbs.all()]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Evidence accepted." in messages_of(response)
    evidence.refresh_from_db()
    assert evidence.status == "accepted"
    assert evidence.feedback.filter(decision="accepted").count() == 1
    assert logged(caplog)


def test_a_submitted_scan_stands_when_the_mentor_cannot_be_told(
    client, apprenticeship, apprentice, mail_down, caplog
):
    scan = make_scan(apprenticeship)
    client.force_login(apprentice)
    response = client.post(reverse("skillscan:scan-submit", kwargs={"pk": scan.pk}), follow=True)
    assert response.status_code == 200
    assert any("Your scan has been submitted" in m for m in messages_of(response))
    scan.refresh_from_db()
    assert scan.status == "submitted"
    assert logged(caplog)


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def test_an_invitation_that_cannot_be_sent_saves_nothing(
    as_manager, acme, standard, mail_down, caplog
):
    response = as_manager.post(
        reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk}),
        {
            "email": "ann@example.com",
            "full_name": "Ann Learner",
            "standard": standard.pk,
            "start_date": "2026-09-01",
            "planned_end_date": "2028-08-31",
            "weekly_hours": "30",
        },
    )
    assert response.status_code == 200
    assert "could not be sent, so nothing was saved" in response.content.decode()
    assert not Invitation.objects.exists() and not Apprenticeship.objects.exists()
    assert logged(caplog)


def test_a_member_invitation_that_cannot_be_sent_saves_nothing(as_manager, acme, mail_down, caplog):
    response = as_manager.post(
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        {"email": "nia@example.com", "full_name": "Nia New", "role": "mentor"},
    )
    assert response.status_code == 200
    assert "could not be sent, so nothing was saved" in response.content.decode()
    assert not Invitation.objects.exists()
    assert logged(caplog)


def test_a_resend_that_cannot_be_sent_keeps_the_old_link(
    as_manager, acme, standard, manager, mail_down, caplog
):
    invitation, _ = invitation_with_token(
        organisation=acme, invited_by=manager, apprenticeship__standard=standard
    )
    response = as_manager.post(
        reverse("accounts:invitation-resend", kwargs={"pk": invitation.pk}), follow=True
    )
    assert any("could not be sent, so nothing was saved" in m for m in messages_of(response))
    assert Invitation.objects.get(pk=invitation.pk).token_hash == invitation.token_hash
    assert logged(caplog)
