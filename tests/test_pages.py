"""The frame every page shares, and every URL against every role."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.permissions import Action, Role, may
from tests.conftest import verified_user
from tests.factories import PASSWORD, UserFactory
from tests.walk import (
    APP,
    EITHER_ORG,
    MISSING,
    PUBLIC_NAMES,
    ROLES_ELSEWHERE,
    TAKEN_ELSEWHERE,
    URLS,
    USERS,
    WALKERS,
    LoggedIn,
    On,
    Own,
    Public,
    Staff,
    missing_kwargs,
)

pytestmark = pytest.mark.django_db

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


def test_base_template_has_skip_link_navigation_and_footer_credit(client, st0825):
    html = client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert '<nav class="navbar' in html and 'aria-label="Main"' in html
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


def test_templates_carry_no_inline_script_or_style(client, apprenticeship, manager):
    public = [
        "/",
        "/standards/",
        "/standards/ST0825/1.0/",
        "/standards/ST0825/compare/1.0/1.0/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]
    private = [
        "/apprenticeships/",
        apprenticeship.get_absolute_url(),
        apprenticeship.organisation.get_absolute_url(),
        "/profile/",
        "/profile/delete/",
        f"/organisations/{apprenticeship.organisation_id}/invite-apprentice/",
        "/accounts/password/change/",
        "/accounts/email/",
    ]

    def assert_no_inline_code(url):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html, url

    for url in public:
        assert_no_inline_code(url)
    client.force_login(manager)
    for url in private:
        assert_no_inline_code(url)


def test_messages_are_shown_after_login(client, db):
    verified_user("sam@example.com", "Sam")
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


# --- every URL against every role, expectations read from the permission table ----------------
# The table of URLs and users is in tests/walk.py; the world it walks is tests/conftest.py's.


def own_url_names():
    """Every named URL of the project's own apps (not admin or allauth)."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns != "admin" and "allauth" not in str(pattern.urlconf_name):
                    walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_own_url_is_in_the_walk():
    missing = own_url_names() - set(URLS)
    assert not missing, f"add these URLs to URLS with the action they need: {missing}"


def test_every_role_has_someone_in_the_walk():
    declared = {role for pair in USERS.values() for role in pair if role}
    expected = set(Role)
    assert declared == expected, f"declare a user for: {expected - declared}"


def test_every_action_is_taken_by_some_url_of_the_walk():
    covered = {need.action for _, need in URLS.values() if isinstance(need, On)}
    covered |= {need.post_action for _, need in URLS.values() if isinstance(need, On)}
    covered |= {need.action for _, need in URLS.values() if isinstance(need, Own)}
    missing = set(Action) - covered - set(TAKEN_ELSEWHERE)
    assert not missing, f"give these actions a URL in the walk: {missing}"


def client_as(client, world, walker):
    if walker != "anonymous":
        client.force_login(world["users"][walker])
    return client


def _role(need, walker):
    on_apprenticeship, at_acme, at_northwind = USERS[walker]
    if need.scope == APP:
        return on_apprenticeship
    if need.scope == EITHER_ORG:
        # A partnership's page: the role at either of its organisations that may act, else
        # the one held.
        held = [role for role in (at_acme, at_northwind) if role]
        acting = [role for role in held if may(role, need.action)]
        return (acting or held or [None])[0]
    return at_acme


def expected_get(need, walker):
    """The status a GET should get, from the permission table."""
    if isinstance(need, Public):
        return need.anonymous if walker == "anonymous" else need.others
    if walker == "anonymous":
        return 302
    if isinstance(need, LoggedIn):
        return need.status
    if isinstance(need, Staff):
        return 200 if USERS[walker][0] == Role.ADMIN else 302
    if isinstance(need, Own):
        held = [role for role in (*USERS[walker], ROLES_ELSEWHERE.get(walker)) if role]
        return need.get_status if any(may(role, need.action) for role in held) else 403
    if need.post_only:
        return 405
    role = _role(need, walker)
    if role is None:
        return 404
    return need.get_status if may(role, need.action) else 403


def expected_post(need, walker):
    """The status a POST should get, from the permission table: a redirect when it is done."""
    if walker == "anonymous":
        return 302
    role = _role(need, walker)
    if role is None:
        return 404
    return 302 if may(role, need.post_action or need.action) else 403


@pytest.mark.parametrize("walker", WALKERS)
@pytest.mark.parametrize("name", sorted(URLS))
def test_every_url_answers_every_role_as_the_table_says(client, world, walker, name):
    kwargs, need = URLS[name]
    url = reverse(name, kwargs=kwargs(world))
    response = client_as(client, world, walker).get(url)
    assert response.status_code == expected_get(need, walker), f"{walker} GET {url}"
    if isinstance(need, Staff) and response.status_code == 302:
        assert "/admin/login/" in response.url
    elif walker == "anonymous" and response.status_code == 302 and name not in PUBLIC_NAMES:
        assert response.url.startswith(reverse("account_login")), response.url


POSTS = sorted(
    name for name, (_, need) in URLS.items() if isinstance(need, On) and need.post is not None
)


@pytest.mark.parametrize("walker", WALKERS)
@pytest.mark.parametrize("name", POSTS)
def test_every_change_answers_every_role_as_the_table_says(client, world, walker, name):
    kwargs, need = URLS[name]
    url = reverse(name, kwargs=kwargs(world))
    data = need.post(world) if callable(need.post) else need.post
    response = client_as(client, world, walker).post(url, data)
    assert response.status_code == expected_post(need, walker), f"{walker} POST {url}"
    if walker == "anonymous":
        assert response.url.startswith(reverse("account_login")), response.url


def test_posts_without_a_csrf_token_are_refused(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["manager"])
    for name in POSTS:
        kwargs, need = URLS[name]
        data = need.post(world) if callable(need.post) else need.post
        assert client.post(reverse(name, kwargs=kwargs(world)), data).status_code == 403, name


ABOUT_AN_OBJECT = sorted(
    name
    for name, (_, need) in URLS.items()
    if isinstance(need, On) or (isinstance(need, Public) and name in MISSING)
)


@pytest.mark.parametrize("walker", WALKERS)
@pytest.mark.parametrize("name", ABOUT_AN_OBJECT)
def test_unknown_objects_are_404_for_every_role(client, world, walker, name):
    _, need = URLS[name]
    response = client_as(client, world, walker).get(
        reverse(name, kwargs=missing_kwargs(name, world))
    )
    if isinstance(need, On) and need.post_only:
        expected = 302 if walker == "anonymous" else 405
    elif walker == "anonymous" and name not in PUBLIC_NAMES:
        expected = 302
    else:
        expected = 404
    assert response.status_code == expected
