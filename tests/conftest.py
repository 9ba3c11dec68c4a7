import logging
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache, caches
from django.core.management import call_command

from accounts.models import Membership
from standards.models import Standard

from .factories import (
    ApprenticeshipFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    make_standard,
)

DATA = Path(__file__).parent / "standards" / "data"
ST0825_RECORD = DATA / "ST0825_v1.0.ifate.json"
ST0116_RECORD = DATA / "ST0116_v1.1.ifate.json"
ST0825_TEXT = DATA / "ST0825-devops-engineer.txt"


@pytest.fixture
def st0825(db):
    """ST0825 DevOps engineer, loaded from the project's fixture as `make run` does."""
    call_command("loaddata", "st0825", verbosity=0)
    return Standard.objects.get(reference="ST0825", version="1.0")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing is slow by design; the tests check behaviour, not key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Every test starts with nothing kept: allauth's rate limits, in the shared cache (a table
    of the test database, which tests that commit leave behind, so it is emptied after them
    too), the per-process cache and the standards' structures kept per process."""
    from standards.selectors import forget_structures

    uses_database = request.node.get_closest_marker("django_db") or (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if uses_database:
        request.getfixturevalue("db")  # first, so the table can be emptied before and after

    def clear():
        if uses_database:
            cache.clear()
        caches["local"].clear()
        forget_structures()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _commit_as_a_server_would(monkeypatch):
    """Run on-commit callbacks (the outbox's e-mails, deleting replaced files) when they would
    run on a real server. A `db` test runs inside transactions of its own that never commit,
    so without this they never run: here those transactions do not count, so a block of the
    code that leaves only them open has committed (and a callback outside any block of the
    code runs at once, as in autocommit). A block that rolls back drops its callbacks, as
    Django does. Tests with `transactional_db` really commit and are left alone."""
    from django.db import transaction
    from django.db.backends.base.base import BaseDatabaseWrapper

    def only_the_tests_own(connection):
        blocks = connection.atomic_blocks
        return bool(blocks) and all(block._from_testcase for block in blocks)

    def run(callbacks):
        for _, func, robust in callbacks:
            if robust:
                try:
                    func()
                except Exception:  # robust callbacks only log, as Django does
                    logging.getLogger("django.db.backends.base").exception("on_commit")
            else:
                func()

    on_commit, exit_ = BaseDatabaseWrapper.on_commit, transaction.Atomic.__exit__

    def on_commit_now(self, func, robust=False):
        if only_the_tests_own(self):
            run([(None, func, robust)])
        else:
            on_commit(self, func, robust)

    def exit_and_commit(self, exc_type, exc_value, traceback):
        result = exit_(self, exc_type, exc_value, traceback)
        connection = transaction.get_connection(self.using)
        if not self._from_testcase and only_the_tests_own(connection):
            pending, connection.run_on_commit = connection.run_on_commit, []
            if exc_type is None and not connection.needs_rollback:
                run(pending)
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit_now)
    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_and_commit)


def verified_user(email, full_name, **fields):
    user = UserFactory(email=email, full_name=full_name, **fields)
    EmailAddress.objects.create(user=user, email=email.lower(), verified=True, primary=True)
    return user


@pytest.fixture
def user(db):
    """Someone signed up, with no apprenticeship and no organisation."""
    return verified_user("someone@example.com", "Sam Someone")


@pytest.fixture
def admin_user(db):
    return verified_user("admin@example.com", "Ada Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


# The standing cast: Acme Digital with a manager and a mentor; its apprentice (mentored by the
# mentor) and a second apprentice, the outsider (mentored by the manager); Globex with its own
# manager and apprentice.


@pytest.fixture
def standard(db):
    return make_standard(
        reference="ST0825", title="DevOps engineer", knowledge=4, skills=3, behaviours=2, duties=3
    )


@pytest.fixture
def acme(db):
    return OrganisationFactory(name="Acme Digital")


@pytest.fixture
def globex(db):
    return OrganisationFactory(name="Globex")


@pytest.fixture
def manager(acme):
    user = verified_user("manager@example.com", "Morgan Manager")
    MembershipFactory(user=user, organisation=acme, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def mentor(acme):
    user = verified_user("mentor@example.com", "Mina Mentor")
    MembershipFactory(user=user, organisation=acme, role=Membership.Role.MENTOR)
    return user


@pytest.fixture
def other_manager(globex):
    user = verified_user("globex@example.com", "Gloria Globex")
    MembershipFactory(user=user, organisation=globex, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def apprentice(db):
    return verified_user("apprentice@example.com", "Alex Apprentice")


@pytest.fixture
def other_apprentice(db):
    return verified_user("apprentice2@example.com", "Bea Beginner")


@pytest.fixture
def apprenticeship(apprentice, standard, acme, mentor):
    return ApprenticeshipFactory(
        apprentice=apprentice, standard=standard, organisation=acme, mentor=mentor
    )


@pytest.fixture
def other_apprenticeship(other_apprentice, standard, acme, manager):
    return ApprenticeshipFactory(
        apprentice=other_apprentice, standard=standard, organisation=acme, mentor=manager
    )


@pytest.fixture
def globex_apprenticeship(standard, globex, other_manager):
    return ApprenticeshipFactory(
        apprentice=verified_user("globex.apprentice@example.com", "Gus Globex"),
        standard=standard,
        organisation=globex,
        mentor=other_manager,
    )


@pytest.fixture
def superuser(db):
    return verified_user("root@example.com", "Root", is_staff=True, is_superuser=True)


# Two apprenticeships side by side on one standard whose duties draw on different KSBs, each
# with evidence, sign-offs, scans and reviews of its own, so that a figure computed without its
# per-apprenticeship filter shows the other one's data and a test fails.
#
#   duty 1: K1 K2 S1      duty 2: K3 S2 S3 B1      duty 3: K4 B2      duty 4: (no KSBs)
#
#   mine:   accepted K1 K2 S1 (3.25 h + 5 h), submitted K3 (2 h), draft K4 (1 h);
#           duty 1 signed off; initial scan validated, review scan submitted; one review
#   theirs: accepted K3 S2 S3 B1 (24 h + 6 h), changes requested K4, accepted K1 (0.5 h);
#           duty 2 signed off and undone, duty 3 signed off; initial scan submitted only


@pytest.fixture
def side_by_side(acme, mentor, manager, apprentice, other_apprentice):
    from datetime import date, timedelta
    from decimal import Decimal
    from types import SimpleNamespace

    from django.utils import timezone

    from tests.factories import (
        DutyFactory,
        EvidenceFactory,
        KSBFactory,
        ProgressReviewFactory,
        StandardFactory,
        make_scan,
    )
    from tracker.models import DutySignOff

    standard = StandardFactory(reference="ST0001", title="Side by side")
    ksb = {}
    for kind, count in (("K", 4), ("S", 3), ("B", 2)):
        for number in range(1, count + 1):
            ksb[f"{kind}{number}"] = KSBFactory(standard=standard, kind=kind, number=number)
    duties = [
        DutyFactory(standard=standard, number=n, ksbs=[ksb[code] for code in codes])
        for n, codes in enumerate(
            (["K1", "K2", "S1"], ["K3", "S2", "S3", "B1"], ["K4", "B2"], []), start=1
        )
    ]
    start = date.today() - timedelta(days=200)
    mine = ApprenticeshipFactory(
        apprentice=apprentice,
        standard=standard,
        organisation=acme,
        mentor=mentor,
        start_date=start,
        planned_end_date=start + timedelta(days=400),
        otj_target_hours=100,
    )
    theirs = ApprenticeshipFactory(
        apprentice=other_apprentice,
        standard=standard,
        organisation=acme,
        mentor=manager,
        start_date=start,
        planned_end_date=start + timedelta(days=400),
        otj_target_hours=100,
    )

    def evidence(apprenticeship, status, hours, codes, days_ago=10):
        return EvidenceFactory(
            apprenticeship=apprenticeship,
            status=status,
            off_the_job_hours=Decimal(hours),
            occurred_on=date.today() - timedelta(days=days_ago),
            ksbs=[ksb[code] for code in codes],
        )

    evidence(mine, "accepted", "3.25", ["K1", "K2"], days_ago=20)
    evidence(mine, "accepted", "5", ["S1"], days_ago=12)
    evidence(mine, "submitted", "2", ["K3"])
    evidence(mine, "draft", "1", ["K4"])
    evidence(theirs, "accepted", "24", ["K3", "S2"], days_ago=30)
    evidence(theirs, "accepted", "6", ["S3", "B1"], days_ago=29)
    evidence(theirs, "changes_requested", "4", ["K4"])
    evidence(theirs, "accepted", "0.5", ["K1"], days_ago=15)

    def sign(apprenticeship, duty, action, by):
        return DutySignOff.objects.create(
            apprenticeship=apprenticeship, duty=duty, action=action, by=by, note="Seen it."
        )

    sign(mine, duties[0], "signed_off", mentor)
    sign(theirs, duties[1], "signed_off", manager)
    sign(theirs, duties[1], "undone", manager)
    sign(theirs, duties[2], "signed_off", manager)

    earlier = timezone.now() - timedelta(days=90)
    mine_initial = make_scan(
        mine,
        status="validated",
        scores=dict.fromkeys(ksb, 1),
        employer={"K1": 2},
        created_at=earlier,
        submitted_at=earlier,
    )
    mine_review = make_scan(mine, stage="review", status="submitted", scores=dict.fromkeys(ksb, 3))
    theirs_initial = make_scan(theirs, status="submitted", scores=dict.fromkeys(ksb, 4))
    ProgressReviewFactory(
        apprenticeship=mine,
        held_on=date.today() - timedelta(days=30),
        next_due_on=date.today() + timedelta(days=54),
        recorded_by=mentor,
    )
    return SimpleNamespace(
        standard=standard,
        ksb=ksb,
        duties=duties,
        mine=mine,
        theirs=theirs,
        mine_initial=mine_initial,
        mine_review=mine_review,
        theirs_initial=theirs_initial,
    )


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

    from accounts.partnerships import apprenticeship_tutor_change
    from tests.factories import (
        ApprenticeshipFactory,
        EvidenceFactory,
        MembershipFactory,
        PartnershipFactory,
        ProgressReviewFactory,
        ProviderFactory,
        invitation_with_token,
        make_scan,
    )
    from tracker.models import DutySignOff

    northwind = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=northwind)
    southwark = ProviderFactory(name="Southwark Skills")
    PartnershipFactory(employer=acme, provider=southwark)
    eastgate = ProviderFactory(name="Eastgate Academy")
    westbrook = ProviderFactory(name="Westbrook College")  # no partnership: Acme may propose
    provider_people = {}
    for name, organisation, role in (
        ("tutor", northwind, "tutor"),
        ("provider_manager", northwind, "manager"),
        ("former_tutor", northwind, "tutor"),
        ("rival_provider_manager", southwark, "manager"),
    ):
        provider_people[name] = verified_user(f"{name.replace('_', '.')}@example.com", name)
        MembershipFactory(user=provider_people[name], organisation=organisation, role=role)
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice,
        standard=standard,
        organisation=acme,
        mentor=mentor,
        provider=northwind,
        tutor=provider_people["former_tutor"],
    )
    # The apprenticeship moved from one tutor's caseload to another's.
    apprenticeship_tutor_change(
        user=provider_people["provider_manager"],
        apprenticeship=apprenticeship,
        tutor=provider_people["tutor"],
    )
    apprenticeship.refresh_from_db()
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
        "northwind": northwind,
        "southwark": southwark,
        "westbrook": westbrook,
        # Eastgate Academy asks Acme for a partnership; Acme answers (the walk's accept).
        "proposal": PartnershipFactory(
            employer=acme, provider=eastgate, proposed_by=eastgate, accepted_at=None
        ),
        "partnership": northwind.employer_partnerships.get(employer=acme),
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
        # Accepted, so in the portfolio: what the end-point assessor may open.
        "accepted_evidence": EvidenceFactory(
            apprenticeship=apprenticeship,
            ksbs=[ksb],
            status="accepted",
            attachment=ContentFile(b"%PDF-1.4 accepted", name="accepted.pdf"),
            attachment_name="accepted.pdf",
            attachment_type="application/pdf",
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
            **provider_people,
        },
    }
    # The end-point assessor (open access), one whose access ended yesterday, and an
    # invitation of a third not accepted yet (the accept link's token).
    from tests.factories import assessor_access

    for name, days in (("assessor", 30), ("former_assessor", -1)):
        world["users"][name] = verified_user(f"{name.replace('_', '.')}@example.com", name)
        access, _ = assessor_access(
            apprenticeship, world["users"][name], days=days, by=provider_people["tutor"]
        )
        world.setdefault("assessor_access", access)
    world["assessor_invitation"], world["assessor_token"] = assessor_access(
        apprenticeship, None, days=30, by=provider_people["tutor"]
    )
    from accounts.permissions import role_of, role_on_organisation
    from tests.walk import USERS

    for name, (on_apprenticeship, at_acme, at_northwind) in USERS.items():
        user = world["users"][name]
        assert role_of(user, apprenticeship) == on_apprenticeship, name
        assert role_on_organisation(user, acme) == at_acme, name
        assert role_on_organisation(user, world["northwind"]) == at_northwind, name
    return world
