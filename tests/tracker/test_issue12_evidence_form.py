"""Issue 12, item 3: the evidence form says when a chosen file has to be chosen again, and
completes a link typed without https://."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import EvidenceFactory
from tracker.models import Evidence

from .test_evidence import PDF, create_url, form_data

pytestmark = pytest.mark.django_db

CHOOSE_AGAIN = "Choose the file again: files are not kept when the form has a problem."


def test_a_file_chosen_on_a_form_with_a_bad_date_is_named_and_asked_for_again(
    as_apprentice, apprenticeship
):
    data = form_data(
        apprenticeship,
        occurred_on="31/02/2026",
        attachment=SimpleUploadedFile("Sprint review notes.pdf", PDF),
    )
    response = as_apprentice.post(create_url(apprenticeship), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["attachment"])
    assert CHOOSE_AGAIN in errors and "“Sprint review notes.pdf”" in errors
    html = response.content.decode()
    assert "You had chosen “Sprint review notes.pdf”." in html
    assert 'value="Set up the CI pipeline"' in html  # the rest is kept as typed
    assert not Evidence.objects.exists()


def test_the_chosen_file_name_is_escaped(as_apprentice, apprenticeship):
    data = form_data(
        apprenticeship,
        title="",
        attachment=SimpleUploadedFile("<img src=x onerror=alert(1)>.pdf", PDF),
    )
    html = as_apprentice.post(create_url(apprenticeship), data).content.decode()
    assert "“&lt;img src=x onerror=alert(1)&gt;.pdf”" in html and "<img src=x" not in html


def test_no_file_no_notice_and_a_bad_file_keeps_its_own_error(as_apprentice, apprenticeship):
    response = as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, title=""))
    assert "attachment" not in response.context["form"].errors
    data = form_data(apprenticeship, title="", attachment=SimpleUploadedFile("tool.exe", b"MZ"))
    errors = as_apprentice.post(create_url(apprenticeship), data).context["form"].errors
    assert "cannot be attached" in errors["attachment"][0] and len(errors["attachment"]) == 1


def test_editing_with_a_problem_names_the_new_file_and_keeps_the_old_one(
    as_apprentice, apprenticeship
):
    as_apprentice.post(
        create_url(apprenticeship),
        form_data(apprenticeship, attachment=SimpleUploadedFile("first.pdf", PDF)),
    )
    evidence = Evidence.objects.get()
    url = reverse("tracker:evidence-update", kwargs={"pk": evidence.pk})
    data = form_data(
        apprenticeship,
        off_the_job_hours="99",
        attachment=SimpleUploadedFile("second.pdf", PDF),
    )
    data.pop("submission_key", None)
    html = as_apprentice.post(url, data).content.decode()
    assert "You had chosen “second.pdf”." in html
    evidence.refresh_from_db()
    assert evidence.attachment_name == "first.pdf"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("github.com/acme/app/pull/7", "https://github.com/acme/app/pull/7"),
        ("www.example.com/x", "https://www.example.com/x"),
        (
            "  gitlab.com/group/project/-/merge_requests/3 ",
            "https://gitlab.com/group/project/-/merge_requests/3",
        ),
        ("http://jenkins.example.org/job/9", "http://jenkins.example.org/job/9"),
        ("https://github.com/acme/app/pull/8", "https://github.com/acme/app/pull/8"),
    ],
)
def test_a_link_without_a_scheme_gets_https(as_apprentice, apprenticeship, typed, stored):
    response = as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, url=typed))
    assert response.status_code == 302, response.context["form"].errors
    assert Evidence.objects.get().url == stored


def test_a_completed_link_is_described_on_the_evidence_page(as_apprentice, apprenticeship):
    as_apprentice.post(
        create_url(apprenticeship), form_data(apprenticeship, url="github.com/acme/app/pull/7")
    )
    html = as_apprentice.get(Evidence.objects.get().get_absolute_url()).content.decode()
    assert "Pull request #7 in acme/app" in html


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.com/report.pdf",
        "file:///etc/passwd",
        "github.com/acme app/pull/7",
        "not a link",
        "https://",
        "mailto:someone@example.com",
        "github.com/" + "a" * 485,  # 496 characters typed, 504 once https:// is added
    ],
)
def test_bad_links_are_still_refused_with_the_text_kept(as_apprentice, apprenticeship, typed):
    response = as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, url=typed))
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert response.context["form"]["url"].value() == typed
    assert not Evidence.objects.exists()


def test_a_link_of_500_characters_with_its_scheme_is_kept(as_apprentice, apprenticeship):
    typed = "github.com/" + "a" * (500 - len("https://github.com/"))
    as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, url=typed))
    assert len(Evidence.objects.get().url) == 500


def test_the_link_field_says_https_is_added(as_apprentice, apprenticeship):
    html = as_apprentice.get(create_url(apprenticeship)).content.decode()
    assert "If you leave out https://, it is added." in html


def test_an_existing_link_is_shown_as_stored_on_edit(as_apprentice, apprenticeship):
    evidence = EvidenceFactory(
        apprenticeship=apprenticeship,
        url="https://github.com/acme/app/pull/1",
        occurred_on=date.today() - timedelta(days=1),
    )
    url = reverse("tracker:evidence-update", kwargs={"pk": evidence.pk})
    assert 'value="https://github.com/acme/app/pull/1"' in as_apprentice.get(url).content.decode()
