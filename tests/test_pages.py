"""The frame every page shares, and every URL against every role."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import verified_user
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


def test_templates_carry_no_inline_script_or_style(client, apprenticeship, manager):
    public = [
        "/",
        "/standards/",
        "/standards/ST0825/1.0/",
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


# --- every URL against every role -------------------------------------------------------------

ROLES = [
    "anonymous",
    "apprentice",
    "other_apprentice",
    "mentor",
    "manager",
    "other_manager",
    "superuser",
]


def expect(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


PUBLIC = expect(200, 200, 200, 200, 200, 200, 200)
LOGGED_IN = expect(302, 200, 200, 200, 200, 200, 200)
STAFF_ONLY = expect(302, 302, 302, 302, 302, 302, 200)
# The apprentice's apprenticeship: its apprentice, mentor, Acme's manager and superusers see it.
APPRENTICESHIP = expect(302, 200, 404, 200, 200, 404, 200)
# Only the apprentice acts; those who see it without the role get 403, outsiders 404.
APPRENTICE_ONLY = expect(302, 200, 404, 403, 403, 404, 403)
# Only the mentor, a manager or a superuser acts.
SUPERVISORS_ONLY = expect(302, 403, 404, 200, 200, 404, 200)
# POST only: a GET is refused before anything is looked up.
POST_ONLY = expect(302, 405, 405, 405, 405, 405, 405)
# Acme Digital's pages for managers: members without the role get 403, outsiders 404.
MANAGE_ACME = expect(302, 404, 404, 403, 200, 404, 200)

# name -> (url kwargs from the world, expected status per role)
URLS = {
    "home": (lambda w: {}, PUBLIC),
    "standards:standard-list": (lambda w: {}, PUBLIC),
    "standards:standard-latest": (lambda w: {"reference": "ST0825"}, expect(*[302] * 7)),
    "standards:standard-detail": (lambda w: {"reference": "ST0825", "version": "1.0"}, PUBLIC),
    "dashboard": (lambda w: {}, expect(*[302] * 7)),
    "tracker:dashboard": (lambda w: {}, LOGGED_IN),
    "tracker:dashboard-csv": (lambda w: {}, LOGGED_IN),
    "tracker:gateway": (lambda w: {"pk": w["apprenticeship"].pk}, SUPERVISORS_ONLY),
    "tracker:portfolio": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "tracker:portfolio-csv": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "accounts:get-started": (lambda w: {}, LOGGED_IN),
    "accounts:profile": (lambda w: {}, LOGGED_IN),
    "accounts:account-delete": (lambda w: {}, LOGGED_IN),
    "apprenticeship-home": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "accounts:apprenticeship-edit": (
        lambda w: {"pk": w["apprenticeship"].pk},
        expect(302, 403, 404, 403, 200, 404, 200),
    ),
    "accounts:organisation-create": (lambda w: {}, LOGGED_IN),
    "accounts:organisation-detail": (
        lambda w: {"pk": w["acme"].pk},
        expect(302, 404, 404, 200, 200, 404, 200),
    ),
    "accounts:apprentice-invite": (lambda w: {"pk": w["acme"].pk}, MANAGE_ACME),
    "accounts:member-invite": (lambda w: {"pk": w["acme"].pk}, MANAGE_ACME),
    # POST only: a GET is refused before anything is looked up.
    "accounts:invitation-resend": (
        lambda w: {"pk": w["invitation"].pk},
        expect(302, 405, 405, 405, 405, 405, 405),
    ),
    "accounts:invitation-revoke": (lambda w: {"pk": w["invitation"].pk}, MANAGE_ACME),
    # The link shows what it is for to anyone; logged in as another address it is refused.
    "accounts:invitation-accept": (
        lambda w: {"token": w["token"]},
        expect(200, 403, 403, 403, 403, 403, 403),
    ),
    # Skills scans: the apprentice's submitted initial scan and their draft review scan.
    "skillscan:scan-history": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "skillscan:scan-start": (
        lambda w: {"pk": w["apprenticeship"].pk},
        expect(302, 405, 405, 405, 405, 405, 405),
    ),
    "skillscan:validation-queue": (lambda w: {}, LOGGED_IN),
    "skillscan:scan-results": (lambda w: {"pk": w["submitted"].pk}, APPRENTICESHIP),
    "skillscan:scan-csv": (lambda w: {"pk": w["submitted"].pk}, APPRENTICESHIP),
    "skillscan:scan-rate": (
        lambda w: {"pk": w["draft"].pk, "section": "k"},
        expect(302, 200, 404, 403, 403, 404, 403),
    ),
    "skillscan:scan-submit": (
        lambda w: {"pk": w["draft"].pk},
        expect(302, 200, 404, 403, 403, 404, 403),
    ),
    "skillscan:scan-validate": (
        lambda w: {"pk": w["submitted"].pk},
        expect(302, 403, 404, 200, 200, 404, 200),
    ),
    # The tracker: the apprentice's draft evidence (with a file), progress and reviews.
    "tracker:evidence-list": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "tracker:evidence-create": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICE_ONLY),
    "tracker:evidence-queue": (lambda w: {}, LOGGED_IN),
    "tracker:evidence-detail": (lambda w: {"pk": w["evidence"].pk}, APPRENTICESHIP),
    "tracker:evidence-update": (lambda w: {"pk": w["evidence"].pk}, APPRENTICE_ONLY),
    "tracker:evidence-delete": (lambda w: {"pk": w["evidence"].pk}, APPRENTICE_ONLY),
    "tracker:evidence-submit": (lambda w: {"pk": w["evidence"].pk}, POST_ONLY),
    "tracker:evidence-decide": (lambda w: {"pk": w["evidence"].pk}, POST_ONLY),
    "tracker:evidence-file": (lambda w: {"pk": w["evidence"].pk}, APPRENTICESHIP),
    "tracker:duty-list": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "tracker:duty-detail": (lambda w: {"pk": w["apprenticeship"].pk, "number": 1}, APPRENTICESHIP),
    "tracker:duty-sign-off": (
        lambda w: {"pk": w["apprenticeship"].pk, "number": 1},
        SUPERVISORS_ONLY,
    ),
    "tracker:duty-sign-off-undo": (
        lambda w: {"pk": w["apprenticeship"].pk, "number": 1},
        SUPERVISORS_ONLY,
    ),
    "tracker:hours": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "tracker:progress-review-list": (lambda w: {"pk": w["apprenticeship"].pk}, APPRENTICESHIP),
    "tracker:progress-review-create": (
        lambda w: {"pk": w["apprenticeship"].pk},
        SUPERVISORS_ONLY,
    ),
    "tracker:progress-review-detail": (lambda w: {"pk": w["review"].pk}, APPRENTICESHIP),
    "tracker:progress-review-update": (lambda w: {"pk": w["review"].pk}, SUPERVISORS_ONLY),
    "tracker:progress-review-sign": (lambda w: {"pk": w["review"].pk}, POST_ONLY),
    "account_login": (lambda w: {}, expect(200, 302, 302, 302, 302, 302, 302)),
    "account_signup": (lambda w: {}, expect(200, 302, 302, 302, 302, 302, 302)),
    "admin:index": (lambda w: {}, STAFF_ONLY),
    "admin:standards_standard_changelist": (lambda w: {}, STAFF_ONLY),
    "admin:accounts_apprenticeship_changelist": (lambda w: {}, STAFF_ONLY),
    "admin:accounts_user_changelist": (lambda w: {}, STAFF_ONLY),
}
MISSING = {
    "standards:standard-latest": {"reference": "ST9999"},
    "standards:standard-detail": {"reference": "ST0825", "version": "9.9"},
    "apprenticeship-home": {"pk": 999999},
    "accounts:apprenticeship-edit": {"pk": 999999},
    "accounts:organisation-detail": {"pk": 999999},
    "accounts:apprentice-invite": {"pk": 999999},
    "accounts:member-invite": {"pk": 999999},
    "accounts:invitation-revoke": {"pk": 999999},
    "accounts:invitation-accept": {"token": "no-such-token"},
    "skillscan:scan-history": {"pk": 999999},
    "skillscan:scan-results": {"pk": 999999},
    "skillscan:scan-csv": {"pk": 999999},
    "skillscan:scan-rate": {"pk": 999999, "section": "k"},
    "skillscan:scan-submit": {"pk": 999999},
    "skillscan:scan-validate": {"pk": 999999},
    "tracker:evidence-list": {"pk": 999999},
    "tracker:evidence-create": {"pk": 999999},
    "tracker:evidence-detail": {"pk": 999999},
    "tracker:evidence-update": {"pk": 999999},
    "tracker:evidence-delete": {"pk": 999999},
    "tracker:evidence-file": {"pk": 999999},
    "tracker:duty-list": {"pk": 999999},
    "tracker:duty-detail": {"pk": 999999, "number": 1},
    "tracker:hours": {"pk": 999999},
    "tracker:progress-review-list": {"pk": 999999},
    "tracker:progress-review-detail": {"pk": 999999},
    "tracker:progress-review-update": {"pk": 999999},
    "tracker:gateway": {"pk": 999999},
    "tracker:portfolio": {"pk": 999999},
    "tracker:portfolio-csv": {"pk": 999999},
}
PUBLIC_NAMES = {
    "home",
    "standards:standard-list",
    "standards:standard-latest",
    "standards:standard-detail",
    "accounts:invitation-accept",
}


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


def test_every_own_url_is_in_the_role_table():
    missing = own_url_names() - set(URLS)
    assert not missing, f"add these URLs to URLS with their expected statuses: {missing}"


@pytest.fixture
def world(
    media,
    standard,
    acme,
    apprentice,
    other_apprentice,
    mentor,
    manager,
    other_manager,
    superuser,
    globex_apprenticeship,
):
    from django.core.files.base import ContentFile

    from accounts.models import Apprenticeship
    from tests.factories import (
        ApprenticeshipFactory,
        EvidenceFactory,
        ProgressReviewFactory,
        invitation_with_token,
        make_scan,
    )

    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice, standard=standard, organisation=acme, mentor=mentor
    )
    ApprenticeshipFactory(
        apprentice=other_apprentice, standard=standard, organisation=acme, mentor=manager
    )
    invitation, token = invitation_with_token(
        organisation=acme, email="invitee@example.com", apprenticeship__standard=standard
    )
    assert Apprenticeship.objects.count() == 4
    return {
        "acme": acme,
        "apprenticeship": apprenticeship,
        "submitted": make_scan(apprenticeship, stage="initial", status="submitted"),
        "evidence": EvidenceFactory(
            apprenticeship=apprenticeship,
            attachment=ContentFile(b"%PDF-1.4 walk", name="walk.pdf"),
            attachment_name="walk.pdf",
            attachment_type="application/pdf",
        ),
        "review": ProgressReviewFactory(apprenticeship=apprenticeship, recorded_by=mentor),
        "draft": make_scan(apprenticeship, stage="review", status="draft", scores={}),
        "invitation": invitation,
        "token": token,
        "users": {
            "apprentice": apprentice,
            "other_apprentice": other_apprentice,
            "mentor": mentor,
            "manager": manager,
            "other_manager": other_manager,
            "superuser": superuser,
        },
    }


def client_as(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(URLS))
def test_every_url_answers_every_role_as_expected(client, world, role, name):
    kwargs, expected = URLS[name]
    url = reverse(name, kwargs=kwargs(world))
    response = client_as(client, world, role).get(url)
    assert response.status_code == expected[role], f"{role} GET {url}"
    if name.startswith("admin:"):
        if expected[role] == 302:
            assert "/admin/login/" in response.url
    elif role == "anonymous" and expected[role] == 302 and name not in PUBLIC_NAMES:
        assert response.url.startswith(reverse("account_login")), response.url


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MISSING))
def test_unknown_objects_are_404_for_every_role(client, world, role, name):
    response = client_as(client, world, role).get(reverse(name, kwargs=MISSING[name]))
    expected = 302 if role == "anonymous" and name not in PUBLIC_NAMES else 404
    assert response.status_code == expected
