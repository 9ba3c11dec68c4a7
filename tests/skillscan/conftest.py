import pytest

from tests.factories import ApprenticeshipFactory


@pytest.fixture
def devops(st0825, acme, apprentice, mentor):
    """The apprentice on the real ST0825 (51 KSBs, 13 duties), mentored by the mentor."""
    return ApprenticeshipFactory(
        apprentice=apprentice, standard=st0825, organisation=acme, mentor=mentor
    )


@pytest.fixture
def as_apprentice(client, apprentice):
    client.force_login(apprentice)
    return client


@pytest.fixture
def as_mentor(client, mentor):
    client.force_login(mentor)
    return client
