"""The frame every page shares, and every URL against every role."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


def test_base_template_has_skip_link_navigation_and_footer_credit(client, st0825):
    html = client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert '<nav class="container' in html and 'aria-label="Main"' in html
    assert 'href="/standards/"' in html
    assert " ".join(OGL.split()) in " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert '<html lang="en-GB">' in html


def test_assets_come_from_the_app_itself_never_a_cdn(client, st0825):
    html = client.get("/standards/ST0825/1.0/").content.decode()
    assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', html)
    assert "/static/bootstrap/css/bootstrap.min.css" in assets
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_pages_are_served_under_a_strict_content_security_policy(client, db):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_templates_carry_no_inline_script_or_style(client, st0825):
    for url in ("/", "/standards/", "/standards/ST0825/1.0/"):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html, url


def test_messages_are_shown_after_login(client, db):
    UserFactory(email="sam@example.com")
    response = client.post(
        reverse("account_login"),
        {"login": "sam@example.com", "password": PASSWORD},
        follow=True,
    )
    assert 'role="status"' in response.content.decode()
    assert "Successfully signed in" in response.content.decode()


def test_logged_in_header_shows_the_user_and_a_post_logout(client, db):
    client.force_login(UserFactory(email="sam@example.com", full_name="Sam Smith"))
    html = client.get("/").content.decode()
    assert "Sam Smith" in html
    assert re.search(r'<form method="post" action="/accounts/logout/"', html)


# --- every URL against every role -------------------------------------------------------------

ROLES = ["anonymous", "user", "admin"]

# name -> (url kwargs, {role: expected status})
PUBLIC = dict.fromkeys(ROLES, 200)
STAFF_ONLY = {"anonymous": 302, "user": 302, "admin": 200}
URLS = {
    "home": ({}, PUBLIC),
    "standards:standard-list": ({}, PUBLIC),
    "standards:standard-latest": ({"reference": "ST0825"}, dict.fromkeys(ROLES, 302)),
    "standards:standard-detail": ({"reference": "ST0825", "version": "1.0"}, PUBLIC),
    "admin:index": ({}, STAFF_ONLY),
    "admin:standards_standard_changelist": ({}, STAFF_ONLY),
    "admin:accounts_user_changelist": ({}, STAFF_ONLY),
}
MISSING = {
    "standards:standard-latest": {"reference": "ST9999"},
    "standards:standard-detail": {"reference": "ST0825", "version": "9.9"},
}


def own_url_names():
    """Every named URL of the project's own apps (not admin or allauth)."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns not in {"admin"} and "allauth" not in str(pattern.urlconf_name):
                    walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_own_url_is_in_the_role_table():
    assert own_url_names() <= set(URLS), "add the new URL to URLS with its expected statuses"


@pytest.fixture
def as_role(client, db):
    def login(role):
        if role == "user":
            client.force_login(UserFactory())
        elif role == "admin":
            client.force_login(UserFactory(is_staff=True, is_superuser=True))
        return client

    return login


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(URLS))
def test_every_url_answers_every_role_as_expected(as_role, st0825, role, name):
    kwargs, expected = URLS[name]
    response = as_role(role).get(reverse(name, kwargs=kwargs))
    assert response.status_code == expected[role]
    if name.startswith("admin:") and expected[role] == 302:
        assert "/admin/login/" in response.url


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MISSING))
def test_unknown_objects_are_404_for_every_role(as_role, st0825, role, name):
    assert as_role(role).get(reverse(name, kwargs=MISSING[name])).status_code == 404
