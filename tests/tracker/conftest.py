import pytest


@pytest.fixture(autouse=True)
def _media(media):
    """Every tracker test stores its uploads in a folder of its own."""
    return media


@pytest.fixture
def as_apprentice(client, apprentice):
    client.force_login(apprentice)
    return client


@pytest.fixture
def as_mentor(client, mentor):
    client.force_login(mentor)
    return client
