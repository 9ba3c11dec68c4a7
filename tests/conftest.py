from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
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
def _clear_cache():
    """allauth's rate limits live in the cache: every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


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
