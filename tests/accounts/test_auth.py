"""Sign-up, login, logout, passwords and e-mail verification through django-allauth."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.conftest import verified_user
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "New.Person@Example.com",
    "full_name": "New Person",
    "password1": "a-strong-pass-4321",
    "password2": "a-strong-pass-4321",
}


def test_signup_asks_for_email_name_and_password_without_username(client):
    form = client.get(reverse("account_signup")).context["form"]
    assert set(form.fields) >= {"email", "full_name", "password1", "password2"}
    assert "username" not in form.fields


def test_signup_creates_the_user_and_sends_a_verification_mail(client, mailoutbox):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email__iexact="new.person@example.com")
    assert user.full_name == "New Person"
    assert not EmailAddress.objects.get(user=user).verified
    (message,) = mailoutbox
    assert message.to == ["new.person@example.com"]
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", message.body)[1]
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified


def test_login_is_refused_until_the_address_is_verified(client, mailoutbox):
    UserFactory(email="unverified@example.com")
    response = client.post(
        reverse("account_login"), {"login": "unverified@example.com", "password": PASSWORD}
    )
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_signup_without_a_name_keeps_what_was_typed(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "full_name": ""})
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    html = response.content.decode()
    assert 'value="New.Person@Example.com"' in html
    assert 'role="alert"' in html
    assert not User.objects.exists()


def test_signup_with_an_address_already_taken_in_another_case_creates_no_user(client, user):
    client.post(reverse("account_signup"), {**SIGNUP, "email": "SOMEONE@example.com"})
    assert User.objects.filter(email__iexact="someone@example.com").count() == 1


def test_login_matches_the_address_whatever_its_case(client, user):
    response = client.post(
        reverse("account_login"), {"login": "SomeOne@EXAMPLE.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(
        reverse("account_login"), {"login": "someone@example.com", "password": "nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_repeated_failed_logins_are_refused_even_with_the_right_password(client, user):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, user):
    client.force_login(user)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200  # a confirmation page; GET never logs out
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link(client, user, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "SOMEONE@example.com"})
    assert response.status_code == 302
    (message,) = mailoutbox
    assert "/accounts/password/reset/key/" in message.body


def test_password_reset_is_rate_limited(client, user, mailoutbox):
    for _ in range(6):
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mailoutbox) < 6


def test_password_change(client, user):
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "brand-new-pass-987",
            "password2": "brand-new-pass-987",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-987")


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_allauth_pages_use_the_product_layout_and_bootstrap_forms(client, db, name):
    html = client.get(reverse(name)).content.decode()
    assert "Skip to main content" in html
    assert "Open Government Licence" in html
    assert re.search(r'class="[^"]*\bform-control\b', html)
    assert re.search(r'<label\s+for="id_(email|login)"', html)


def test_demo_style_verified_users_log_in_straight_away(client):
    verified_user("demo@example.com", "Demo")
    response = client.post(
        reverse("account_login"), {"login": "demo@example.com", "password": PASSWORD}
    )
    assert response.url == reverse("progress:start")
