from pathlib import Path

import pytest
from django.core.management import call_command

from standards.models import Standard

from .factories import UserFactory

DATA = Path(__file__).parent / "standards" / "data"
ST0825_RECORD = DATA / "ST0825_v1.0.ifate.json"
ST0116_RECORD = DATA / "ST0116_v1.1.ifate.json"
ST0825_TEXT = DATA / "ST0825-devops-engineer.txt"


@pytest.fixture
def st0825(db):
    """ST0825 DevOps engineer, loaded from the project's fixture as `make run` does."""
    call_command("loaddata", "st0825", verbosity=0)
    return Standard.objects.get(reference="ST0825", version="1.0")


@pytest.fixture
def user(db):
    return UserFactory(email="someone@example.com", full_name="Sam Someone")


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="admin@example.com", full_name="Ada Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
