"""The frame every page shares, and every URL against every role."""

import re
from dataclasses import dataclass

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.permissions import Action, Role, may, role_of, role_on_organisation
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


# --- every URL against every role, expectations read from the permission table ----------------
#
# Each user of the walk has a declared role on the world's apprenticeship and at Acme Digital
# (checked against accounts.permissions.role_of below). Each URL says which action it needs;
# the expected status is then the table's answer: 302 to log in when anonymous, 404 without a
# role, 403 with a role that may not take the action, and success with one that may. A new
# role fails the walk until a user with it is declared; a new action fails it until a URL (or
# the list of actions taken elsewhere) covers it.

A, MEN, MAN, ADM = Role.APPRENTICE, Role.MENTOR, Role.MANAGER, Role.ADMIN
# name -> (role on the apprenticeship, role at Acme Digital)
USERS = {
    # The apprentice is also a manager of Acme: nobody supervises themselves.
    "apprentice": (A, MAN),
    "mentor": (MEN, MEN),
    "manager": (MAN, MAN),
    "superuser": (ADM, ADM),
    "other_apprentice": (None, None),
    "other_manager": (None, None),
    "former_manager": (None, None),  # their membership of Acme was deleted
}
WALKERS = ["anonymous", *USERS]
# Actions no URL takes through this walk, and where they are tested instead.
TAKEN_ELSEWHERE = {
    Action.JOIN: "accepting an invitation, which the invitation decides (test_invitations)",
}


@dataclass(frozen=True)
class Public:
    """Anyone; ``anonymous`` and ``others`` when the page sends some people elsewhere."""

    anonymous: int = 200
    others: int = 200


@dataclass(frozen=True)
class LoggedIn:
    status: int = 200


@dataclass(frozen=True)
class Staff:
    pass


@dataclass(frozen=True)
class On:
    """A page of the world's apprenticeship (``scope`` "apprenticeship") or of Acme Digital
    ("organisation") needing ``action``; ``post`` is the form a POST sends (None: no POST),
    ``post_only`` refuses a GET, ``post_action`` is what a POST needs when it differs."""

    action: Action
    scope: str = "apprenticeship"
    post: object = None
    post_only: bool = False
    post_action: Action | None = None
    get_status: int = 200


APP = "apprenticeship"
ORG = "organisation"


def _pk(name):
    return lambda w: {"pk": w[name].pk}


def _duty(number):
    return lambda w: {"pk": w["apprenticeship"].pk, "number": number}


EVIDENCE_FORM = {
    "title": "Walked",
    "occurred_on": "2026-01-10",
    "activity_type": "project_work",
    "off_the_job_hours": "1",
    "description": "",
    "url": "",
}
REVIEW_FORM = {
    "held_on": "2026-01-10",
    "next_due_on": "",
    "progress": "Fine.",
    "actions": "More.",
}
INVITE_APPRENTICE = {
    "email": "walk@example.com",
    "full_name": "Walk Er",
    "standard": "",
    "start_date": "2026-01-10",
    "planned_end_date": "2027-06-10",
    "mentor": "",
    "weekly_hours": "30",
    "otj_target_hours": "",
}

# name -> (url kwargs from the world, what the URL needs)
URLS = {
    "progress:welcome": (lambda w: {}, Public()),
    "standards:standard-list": (lambda w: {}, Public()),
    "standards:standard-latest": (lambda w: {"reference": "ST0825"}, Public(302, 302)),
    "standards:standard-detail": (
        lambda w: {"reference": "ST0825", "version": "1.0"},
        Public(),
    ),
    "account_login": (lambda w: {}, Public(200, 302)),
    "account_signup": (lambda w: {}, Public(200, 302)),
    # The link shows what it is for to anyone; logged in as another address it is refused.
    "accounts:invitation-accept": (lambda w: {"token": w["token"]}, Public(200, 403)),
    "progress:start": (lambda w: {}, LoggedIn(302)),
    "progress:dashboard": (lambda w: {}, LoggedIn()),
    "progress:dashboard-csv": (lambda w: {}, LoggedIn()),
    "accounts:get-started": (lambda w: {}, LoggedIn()),
    "accounts:profile": (lambda w: {}, LoggedIn()),
    "accounts:account-delete": (lambda w: {}, LoggedIn()),
    "accounts:organisation-create": (lambda w: {}, LoggedIn()),
    "skillscan:validation-queue": (lambda w: {}, LoggedIn()),
    "tracker:evidence-queue": (lambda w: {}, LoggedIn()),
    "admin:index": (lambda w: {}, Staff()),
    "admin:standards_standard_changelist": (lambda w: {}, Staff()),
    "admin:accounts_apprenticeship_changelist": (lambda w: {}, Staff()),
    "admin:accounts_user_changelist": (lambda w: {}, Staff()),
    # The apprenticeship and everything of it
    "progress:apprenticeship-home": (_pk("apprenticeship"), On(Action.VIEW)),
    "progress:gateway": (_pk("apprenticeship"), On(Action.MARK_GATEWAY)),
    "progress:gateway-mark": (
        _pk("apprenticeship"),
        On(Action.MARK_GATEWAY, post={"note": "Walk"}, post_only=True),
    ),
    "progress:portfolio": (_pk("apprenticeship"), On(Action.EXPORT)),
    "progress:portfolio-csv": (_pk("apprenticeship"), On(Action.EXPORT)),
    "accounts:apprenticeship-edit": (
        _pk("apprenticeship"),
        On(
            Action.EDIT_APPRENTICESHIP,
            post=lambda w: {
                "mentor": w["users"]["mentor"].pk,
                "start_date": w["apprenticeship"].start_date.isoformat(),
                "planned_end_date": w["apprenticeship"].planned_end_date.isoformat(),
                "weekly_hours": "30",
                "otj_target_hours": "",
            },
        ),
    ),
    "accounts:apprenticeship-status": (
        _pk("apprenticeship"),
        On(Action.CHANGE_STATUS, post={"status": "paused", "reason": "Walk"}),
    ),
    "skillscan:scan-history": (_pk("apprenticeship"), On(Action.VIEW)),
    "skillscan:scan-start": (
        _pk("apprenticeship"),
        On(Action.RATE, post={"stage": "review"}, post_only=True),
    ),
    "skillscan:scan-results": (_pk("submitted"), On(Action.VIEW)),
    "skillscan:scan-csv": (_pk("submitted"), On(Action.EXPORT)),
    "skillscan:scan-rate": (
        lambda w: {"pk": w["draft"].pk, "section": "k"},
        On(Action.RATE, post={"action": "save"}),
    ),
    "skillscan:scan-submit": (_pk("draft"), On(Action.SUBMIT_SCAN, post={})),
    "skillscan:scan-validate": (
        _pk("submitted"),
        On(Action.VALIDATE_SCAN, post={"action": "save"}),
    ),
    "tracker:evidence-list": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:evidence-create": (_pk("apprenticeship"), On(Action.LOG_EVIDENCE, post=EVIDENCE_FORM)),
    "tracker:evidence-detail": (_pk("evidence"), On(Action.VIEW)),
    "tracker:evidence-update": (_pk("evidence"), On(Action.LOG_EVIDENCE, post=EVIDENCE_FORM)),
    "tracker:evidence-delete": (_pk("evidence"), On(Action.LOG_EVIDENCE, post={})),
    "tracker:evidence-submit": (_pk("evidence"), On(Action.LOG_EVIDENCE, post={}, post_only=True)),
    "tracker:evidence-decide": (
        _pk("submitted_evidence"),
        On(Action.DECIDE_EVIDENCE, post={"decision": "accepted"}, post_only=True),
    ),
    "tracker:evidence-file": (_pk("evidence"), On(Action.VIEW)),
    "tracker:duty-list": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:duty-detail": (_duty(1), On(Action.VIEW)),
    "tracker:duty-sign-off": (_duty(1), On(Action.SIGN_OFF_DUTY, post={"note": "Walk"})),
    "tracker:duty-sign-off-undo": (_duty(2), On(Action.SIGN_OFF_DUTY, post={"reason": "Walk"})),
    "tracker:hours": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:progress-review-list": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:progress-review-create": (
        _pk("apprenticeship"),
        On(Action.RECORD_REVIEW, post=REVIEW_FORM),
    ),
    "tracker:progress-review-detail": (
        _pk("review"),
        On(Action.VIEW, post={"comments": "Walk"}, post_action=Action.COUNTERSIGN_REVIEW),
    ),
    "tracker:progress-review-update": (_pk("review"), On(Action.RECORD_REVIEW, post=REVIEW_FORM)),
    "tracker:progress-review-sign": (
        _pk("review"),
        On(Action.RECORD_REVIEW, post={}, post_only=True),
    ),
    # Acme Digital
    "accounts:organisation-detail": (_pk("acme"), On(Action.SEE_ORGANISATION, ORG)),
    "accounts:apprentice-invite": (
        _pk("acme"),
        On(
            Action.MANAGE_PEOPLE,
            ORG,
            post=lambda w: {**INVITE_APPRENTICE, "standard": w["standard"].pk},
        ),
    ),
    "accounts:member-invite": (
        _pk("acme"),
        On(
            Action.MANAGE_PEOPLE,
            ORG,
            post={"email": "new.member@example.com", "full_name": "New", "role": "mentor"},
        ),
    ),
    "accounts:invitation-resend": (
        _pk("invitation"),
        On(Action.MANAGE_PEOPLE, ORG, post={}, post_only=True),
    ),
    "accounts:invitation-revoke": (_pk("invitation"), On(Action.MANAGE_PEOPLE, ORG, post={})),
}
MISSING = {
    "standards:standard-latest": {"reference": "ST9999"},
    "standards:standard-detail": {"reference": "ST0825", "version": "9.9"},
    "accounts:invitation-accept": {"token": "no-such-token"},
}
PUBLIC_NAMES = {name for name, (_, need) in URLS.items() if isinstance(need, Public)}


def _missing_kwargs(name, world):
    """The URL's kwargs pointing at an object that does not exist."""
    if name in MISSING:
        return MISSING[name]
    kwargs, _ = URLS[name]
    return {**kwargs(world), "pk": 999999}


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
    assert declared == set(Role), f"declare a user for: {set(Role) - declared}"


def test_every_action_is_taken_by_some_url_of_the_walk():
    covered = {need.action for _, need in URLS.values() if isinstance(need, On)}
    covered |= {need.post_action for _, need in URLS.values() if isinstance(need, On)}
    missing = set(Action) - covered - set(TAKEN_ELSEWHERE)
    assert not missing, f"give these actions a URL in the walk: {missing}"


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

    from tests.factories import (
        ApprenticeshipFactory,
        EvidenceFactory,
        MembershipFactory,
        ProgressReviewFactory,
        invitation_with_token,
        make_scan,
    )
    from tracker.models import DutySignOff

    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice, standard=standard, organisation=acme, mentor=mentor
    )
    ApprenticeshipFactory(
        apprentice=other_apprentice, standard=standard, organisation=acme, mentor=manager
    )
    MembershipFactory(user=apprentice, organisation=acme, role="manager")
    former = verified_user("former@example.com", "Fay Former")
    MembershipFactory(user=former, organisation=acme, role="manager").delete()
    invitation, token = invitation_with_token(
        organisation=acme, email="invitee@example.com", apprenticeship__standard=standard
    )
    DutySignOff.objects.create(
        apprenticeship=apprenticeship,
        duty=standard.duties.get(number=2),
        action="signed_off",
        by=mentor,
    )
    ksb = standard.ksbs.first()
    world = {
        "acme": acme,
        "standard": standard,
        "apprenticeship": apprenticeship,
        "submitted": make_scan(apprenticeship, stage="initial", status="submitted"),
        "evidence": EvidenceFactory(
            apprenticeship=apprenticeship,
            ksbs=[ksb],
            attachment=ContentFile(b"%PDF-1.4 walk", name="walk.pdf"),
            attachment_name="walk.pdf",
            attachment_type="application/pdf",
        ),
        "submitted_evidence": EvidenceFactory(
            apprenticeship=apprenticeship, ksbs=[ksb], status="submitted"
        ),
        "review": ProgressReviewFactory(apprenticeship=apprenticeship, recorded_by=mentor),
        "draft": make_scan(apprenticeship, stage="review", status="draft"),
        "invitation": invitation,
        "token": token,
        "users": {
            "apprentice": apprentice,
            "other_apprentice": other_apprentice,
            "mentor": mentor,
            "manager": manager,
            "other_manager": other_manager,
            "superuser": superuser,
            "former_manager": former,
        },
    }
    for name, (on_apprenticeship, at_acme) in USERS.items():
        user = world["users"][name]
        assert role_of(user, apprenticeship) == on_apprenticeship, name
        assert role_on_organisation(user, acme) == at_acme, name
    return world


def client_as(client, world, walker):
    if walker != "anonymous":
        client.force_login(world["users"][walker])
    return client


def _role(need, walker):
    on_apprenticeship, at_acme = USERS[walker]
    return on_apprenticeship if need.scope == APP else at_acme


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
        reverse(name, kwargs=_missing_kwargs(name, world))
    )
    if isinstance(need, On) and need.post_only:
        expected = 302 if walker == "anonymous" else 405
    elif walker == "anonymous" and name not in PUBLIC_NAMES:
        expected = 302
    else:
        expected = 404
    assert response.status_code == expected
