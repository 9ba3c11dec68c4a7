"""Rate limits that hold on a real deployment: counted in the cache every server process
shares, per client address also behind proxies, on the admin's login too, and on the
invitation e-mails a manager sends."""

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.urls import reverse

from accounts.models import Invitation
from tests.factories import PASSWORD, invitation_with_token

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CLIENT = "203.0.113.7"
OTHER_CLIENT = "198.51.100.2"
TOO_MANY = "Too many failed login attempts"


def log_in(client, email, password, **headers):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def test_the_shared_cache_is_shared_by_every_process():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert not isinstance(cache, LocMemCache)
    assert isinstance(caches["local"], LocMemCache)


def test_failed_logins_are_counted_where_every_process_sees_them(client, user):
    for _ in range(5):
        log_in(client, user.email, "wrong")
    caches["local"].clear()  # all a process keeps of its own
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_cache WHERE cache_key LIKE %s", ["%login_fa%"])
        assert cursor.fetchone()[0] > 0
    response = log_in(client, user.email, PASSWORD)
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("count", "forwarded", "address"),
    [
        (0, CLIENT, PROXY),  # no proxy of ours: the header is the client's to make up
        (1, CLIENT, CLIENT),
        (1, f"1.2.3.4, {CLIENT}", CLIENT),  # what the client sent comes first
        (2, f"1.2.3.4, {CLIENT}, 10.0.0.2", CLIENT),
    ],
)
def test_the_client_address_is_read_through_our_proxies_only(
    rf, settings, count, forwarded, address
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert get_adapter(request).get_client_ip(request) == address


def _fail_from(client, address):
    """Ten failed logins from ``address`` through the proxy, each for another address (under
    the limit per account), which uses up the limit per client address."""
    for n in range(10):
        log_in(
            client,
            f"nobody{n}@example.com",
            "wrong",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        )


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(client, user, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _fail_from(client, CLIENT)
    response = log_in(client, user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    assert TOO_MANY in response.content.decode()
    response = log_in(
        client, user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OTHER_CLIENT
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_without_a_trusted_proxy_everyone_behind_it_is_one_client(client, user):
    _fail_from(client, CLIENT)
    response = log_in(
        client, user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OTHER_CLIENT
    )
    assert TOO_MANY in response.content.decode()


def test_the_admin_login_is_the_sites_rate_limited_login(client, admin_user):
    for _ in range(5):
        log_in(client, admin_user.email, "wrong")
    response = client.post(
        reverse("admin:login"), {"username": admin_user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    response = log_in(client, admin_user.email, PASSWORD)
    assert TOO_MANY in response.content.decode()


def test_staff_logged_in_through_the_site_reach_the_admin(client, admin_user):
    log_in(client, admin_user.email, PASSWORD)
    assert client.get(reverse("admin:login")).status_code == 302  # on to the admin's index
    assert client.get(reverse("admin:index")).status_code == 200


# --- invitations -------------------------------------------------------------------------------


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def invite_member(client, organisation, n):
    return client.post(
        reverse("accounts:member-invite", kwargs={"pk": organisation.pk}),
        {"email": f"person{n}@example.com", "full_name": f"Person {n}", "role": "mentor"},
    )


def test_a_manager_sends_ten_invitations_a_minute_then_none(manager_client, acme, mailoutbox):
    for n in range(10):
        assert invite_member(manager_client, acme, n).status_code == 302
    response = invite_member(manager_client, acme, 10)
    assert response.status_code == 429
    assert "sent a lot of invitations in a short time" in response.content.decode()
    assert response.context["form"]["email"].value() == "person10@example.com"
    assert len(mailoutbox) == Invitation.objects.count() == 10


def test_the_limit_is_each_managers_own(client, acme, manager, mentor, mailoutbox, settings):
    settings.ACCOUNT_RATE_LIMITS = {"invitation": "1/m/user"}
    client.force_login(manager)
    invite_member(client, acme, 1)
    client.force_login(mentor)
    mentor.memberships.update(role="manager")
    assert invite_member(client, acme, 2).status_code == 302
    assert len(mailoutbox) == 2


def test_apprentice_invitations_count_too(manager_client, acme, standard, mailoutbox, settings):
    settings.ACCOUNT_RATE_LIMITS = {"invitation": "1/m/user"}
    invite_member(manager_client, acme, 1)
    response = manager_client.post(
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
    assert response.status_code == 429
    assert "sent a lot of invitations in a short time" in response.content.decode()
    assert len(mailoutbox) == Invitation.objects.count() == 1
    assert not acme.apprenticeships.exists()


def test_resends_count_too(manager_client, acme, standard, manager, mailoutbox, settings):
    settings.ACCOUNT_RATE_LIMITS = {"invitation": "1/m/user"}
    invite_member(manager_client, acme, 1)
    invitation, _ = invitation_with_token(
        organisation=acme, invited_by=manager, apprenticeship__standard=standard
    )
    response = manager_client.post(
        reverse("accounts:invitation-resend", kwargs={"pk": invitation.pk}), follow=True
    )
    assert "sent a lot of invitations in a short time" in response.content.decode()
    assert len(mailoutbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).token_hash == invitation.token_hash
