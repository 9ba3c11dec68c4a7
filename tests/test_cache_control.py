"""Pages and files with someone's personal data are kept by no cache: every response that
depends on the session says `Cache-Control: private, no-store` (core.middleware), unless its
view chose its own caching; static files and the anonymous standard page stay cacheable."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.fixture
def evidence_file(media, apprenticeship):
    evidence = EvidenceFactory(apprenticeship=apprenticeship, attachment_name="notes.txt")
    evidence.attachment.save("notes.txt", SimpleUploadedFile("notes.txt", b"My notes"))
    return evidence


def test_a_logged_in_users_pages_and_files_are_private_and_not_stored(
    client, apprentice, manager, apprenticeship, evidence_file
):
    pk = apprenticeship.pk
    client.force_login(apprentice)
    for url in (
        reverse("progress:start"),
        reverse("progress:apprenticeship-home", kwargs={"pk": pk}),
        reverse("tracker:evidence-file", kwargs={"pk": evidence_file.pk}),
        reverse("progress:portfolio-csv", kwargs={"pk": pk}),
        reverse("tracker:evidence-list", kwargs={"pk": 10**6}),  # a 404 too
    ):
        assert directives(client.get(url)) == {"private", "no-store"}, url
    client.force_login(manager)
    for url in (reverse("progress:dashboard"), reverse("progress:dashboard-csv")):
        assert directives(client.get(url)) == {"private", "no-store"}, url


def test_a_page_that_reads_the_session_of_an_anonymous_visitor_is_not_stored(client):
    """Its navigation is drawn for whoever asks (logged in or not)."""
    assert directives(client.get(reverse("progress:welcome"))) == {"private", "no-store"}


def test_a_view_that_chooses_its_own_caching_keeps_it(client, st0825, user):
    """The standard's page is public and revalidated each time for anyone anonymous (it holds
    nothing personal), private and revalidated for someone logged in (its ETag covers them)."""
    url = reverse("standards:standard-detail", kwargs={"reference": "ST0825", "version": "1.0"})
    assert directives(client.get(url)) == {"public", "no-cache"}
    client.force_login(user)
    assert directives(client.get(url)) == {"private", "no-cache"}


def test_static_files_are_answered_before_and_stay_cacheable(client, user):
    client.force_login(user)
    response = client.get("/static/js/ksb-picker.js")
    assert response.status_code == 200
    assert "no-store" not in directives(response)
