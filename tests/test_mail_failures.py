"""A mail server that is down: every action that sends an e-mail succeeds without it, the
e-mail waits in the outbox (retrying) and whoever sent it is told so; once the server is back
the next flush of the outbox sends it, once."""

import smtplib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import Apprenticeship, Invitation, OutgoingEmail, User
from accounts.views import NOT_SENT_YET
from tests.factories import PASSWORD, EvidenceFactory, UserFactory, invitation_with_token, make_scan

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
NOT_GONE = "has not gone yet"


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


@pytest.fixture
def mail_back(settings, mail_down):
    """Bring the mail server back and flush the outbox after the first retry's time: returns
    the mails sent."""

    def flush():
        settings.EMAIL_BACKEND = LOCMEM
        outbox.flush(now=timezone.now() + timedelta(minutes=2))
        return mail_down

    return flush


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def warned(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "accounts.outbox"]


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def waiting_email(**filters):
    """The one e-mail of the outbox (matching filters), checked to be waiting for a retry."""
    email = OutgoingEmail.objects.get(**filters)
    assert (email.status, email.attempts) == ("retrying", 1)
    assert email.next_try_at > timezone.now() and email.body and email.sent_at is None
    return email


def sent_once(mail_back, email, to):
    """Bring the server back: the waiting e-mail goes once, its body is forgotten, and a second
    flush sends nothing."""
    mails = mail_back()
    (message,) = mails
    assert message.to == [to]
    assert message.extra_headers["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert (email.status, email.attempts, email.body, email.html) == ("sent", 2, "", "")
    assert outbox.flush(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(mails) == 1
    return message


# --- allauth's e-mails -------------------------------------------------------------------------


SIGNUP = {
    "email": "new.person@example.com",
    "full_name": "New Person",
    "password1": "a-strong-pass-4321",
    "password2": "a-strong-pass-4321",
}


def test_sign_up_keeps_the_account_and_sends_the_confirmation_once_the_server_is_back(
    client, mail_down, mail_back, caplog
):
    response = client.post(reverse("account_signup"), SIGNUP, follow=True)
    assert response.redirect_chain == [(reverse("account_email_verification_sent"), 302)]
    assert any(NOT_GONE in m for m in messages_of(response))
    user = User.objects.get(email="new.person@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session
    email = waiting_email(to=SIGNUP["email"], kind="account")
    assert any("Could not send e-mail" in m for m in warned(caplog))
    message = sent_once(mail_back, email, SIGNUP["email"])
    assert "/accounts/confirm-email/" in message.body


def test_sign_up_with_a_taken_address_says_the_same(client, user, mail_down):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": user.email}, follow=True)
    assert response.redirect_chain == [(reverse("account_email_verification_sent"), 302)]
    assert any(NOT_GONE in m for m in messages_of(response))
    assert User.objects.filter(email=user.email).count() == 1
    waiting_email(to=user.email)


@pytest.mark.parametrize("email", ["someone@example.com", "nobody@example.com"])
def test_a_password_reset_is_sent_once_the_server_is_back(
    client, user, mail_down, mail_back, email
):
    response = client.post(reverse("account_reset_password"), {"email": email}, follow=True)
    assert response.redirect_chain == [(reverse("account_reset_password_done"), 302)]
    assert any(f"The e-mail to {email} {NOT_GONE}" in m for m in messages_of(response))
    waiting = waiting_email(to=email)
    sent_once(mail_back, waiting, email)


def test_signing_in_unconfirmed_queues_the_confirmation_once(client, mail_down, mail_back):
    UserFactory(email="unconfirmed@example.com")
    url = reverse("account_login")
    response = client.post(
        url, {"login": "unconfirmed@example.com", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(reverse("account_email_verification_sent"), 302)]
    assert any(NOT_GONE in m for m in messages_of(response))
    assert "_auth_user_id" not in client.session
    email = waiting_email(to="unconfirmed@example.com")
    # Signing in again at once queues no second confirmation: the first is on its way.
    log_in(client, "unconfirmed@example.com")
    assert OutgoingEmail.objects.count() == 1
    sent_once(mail_back, email, "unconfirmed@example.com")


@pytest.fixture
def signed_in(client, user):
    """Signed in through the form, as e-mail changes need a recent sign-in."""
    log_in(client, user.email)
    return client


def test_resending_a_confirmation_says_it_has_not_gone_yet(signed_in, user, mail_down):
    EmailAddress.objects.create(user=user, email="new@example.com")
    url = reverse("account_email")
    response = signed_in.post(url, {"action_send": "", "email": "new@example.com"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert any(f"The e-mail to new@example.com {NOT_GONE}" in m for m in messages_of(response))
    assert waiting_email(to="new@example.com").sender == user


def test_changing_the_address_keeps_the_old_one_until_the_new_is_confirmed(
    signed_in, user, mail_down
):
    url = reverse("account_email")
    response = signed_in.post(url, {"action_add": "", "email": "new@example.com"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert any(f"The e-mail to new@example.com {NOT_GONE}" in m for m in messages_of(response))
    user.refresh_from_db()
    assert user.email == "someone@example.com"
    assert EmailAddress.objects.get(user=user, primary=True).email == "someone@example.com"
    waiting_email(to="new@example.com")


# --- the app's own e-mails ---------------------------------------------------------------------


def test_a_decision_stands_and_the_apprentice_is_told_later(
    client, apprenticeship, apprentice, mentor, mail_down, mail_back
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
    assert "The e-mail to the apprentice has not gone yet" in " ".join(messages_of(response))
    evidence.refresh_from_db()
    assert evidence.status == "accepted"
    assert evidence.feedback.filter(decision="accepted").count() == 1
    email = waiting_email(kind="evidence_accepted")
    assert (email.about, email.sender) == (evidence, mentor)
    sent_once(mail_back, email, apprentice.email)


def test_a_submitted_scan_stands_and_the_mentor_is_told_later(
    client, apprenticeship, apprentice, mentor, mail_down, mail_back
):
    scan = make_scan(apprenticeship)
    client.force_login(apprentice)
    response = client.post(reverse("skillscan:scan-submit", kwargs={"pk": scan.pk}), follow=True)
    assert response.status_code == 200
    assert any("Your scan has been submitted" in m for m in messages_of(response))
    assert any("e-mail to your mentor has not gone yet" in m for m in messages_of(response))
    scan.refresh_from_db()
    assert scan.status == "submitted"
    email = waiting_email(kind="scan_submitted")
    assert email.about == scan
    sent_once(mail_back, email, mentor.email)


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


APPRENTICE = {
    "email": "ann@example.com",
    "full_name": "Ann Learner",
    "start_date": "2026-09-01",
    "planned_end_date": "2028-08-31",
    "weekly_hours": "30",
}


def test_an_invitation_stands_and_its_page_says_the_mail_is_retrying(
    as_manager, acme, standard, mail_down, mail_back
):
    response = as_manager.post(
        reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk}),
        {**APPRENTICE, "standard": standard.pk},
        follow=True,
    )
    assert response.redirect_chain == [(acme.get_absolute_url(), 302)]
    html = response.content.decode()
    assert NOT_SENT_YET.strip() in html
    assert "Not sent yet, retrying" in html
    invitation = Invitation.objects.get()
    assert Apprenticeship.objects.get() == invitation.apprenticeship
    email = waiting_email(kind="invitation")
    assert email.about == invitation
    message = sent_once(mail_back, email, "ann@example.com")
    token = message.body.split("/invite/")[1].split("/")[0]
    assert Invitation.objects.by_token(token).get() == invitation
    assert "E-mail sent" in as_manager.get(acme.get_absolute_url()).content.decode()


def test_a_member_invitation_stands_too(as_manager, acme, mail_down):
    response = as_manager.post(
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        {"email": "nia@example.com", "full_name": "Nia New", "role": "mentor"},
        follow=True,
    )
    assert NOT_SENT_YET.strip() in response.content.decode()
    assert Invitation.objects.get().email == "nia@example.com"
    waiting_email(kind="invitation")


def test_an_invitation_given_up_says_resend_and_a_resend_sends_a_new_link(
    as_manager, acme, standard, manager, mail_down, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    invitation, token = invitation_with_token(
        organisation=acme, invited_by=manager, apprenticeship__standard=standard
    )
    url = reverse("accounts:invitation-resend", kwargs={"pk": invitation.pk})
    response = as_manager.post(url, follow=True)
    assert any("has not gone yet" in m for m in messages_of(response))
    assert not Invitation.objects.by_token(token).exists()  # the resend committed
    outbox.flush(now=timezone.now() + timedelta(minutes=2))
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts, email.body) == ("failed", 2, "")
    assert "Could not be sent: resend" in as_manager.get(acme.get_absolute_url()).content.decode()

    settings.EMAIL_BACKEND = LOCMEM
    as_manager.post(url)
    assert len(mail_down) == 1
    page = as_manager.get(acme.get_absolute_url()).content.decode()
    assert "E-mail sent" in page and "Could not be sent" not in page


def test_no_warning_when_the_e_mail_went(client, apprenticeship, apprentice, mailoutbox):
    scan = make_scan(apprenticeship)
    client.force_login(apprentice)
    response = client.post(reverse("skillscan:scan-submit", kwargs={"pk": scan.pk}), follow=True)
    assert len(mailoutbox) == 1
    assert not any("has not gone yet" in m for m in messages_of(response))
