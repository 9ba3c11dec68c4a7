import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import EvidenceFactory, KSBFactory
from tracker.models import Evidence, EvidenceFeedback
from tracker.selectors import duty_rows_from_database

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def create_url(apprenticeship):
    return reverse("tracker:evidence-create", kwargs={"pk": apprenticeship.pk})


def form_data(apprenticeship, **changes):
    ksbs = list(apprenticeship.standard.ksbs.all()[:2])
    data = {
        "title": "Set up the CI pipeline",
        "occurred_on": (date.today() - timedelta(days=3)).isoformat(),
        "activity_type": "project_work",
        "off_the_job_hours": "3.5",
        "description": "Wrote the workflow and its tests.",
        "url": "https://github.com/acme/payments/pull/42",
        "ksbs": [k.pk for k in ksbs],
        "action": "save",
    }
    data.update(changes)
    return data


# --- creating and editing -------------------------------------------------------------------------


def test_apprentice_logs_evidence_with_a_file_and_ksbs(as_apprentice, apprenticeship):
    data = form_data(apprenticeship, attachment=SimpleUploadedFile("My report.pdf", PDF))
    response = as_apprentice.post(create_url(apprenticeship), data)
    evidence = Evidence.objects.get()
    assert response.url == evidence.get_absolute_url()
    assert evidence.status == "draft"
    assert evidence.off_the_job_hours == Decimal("3.5")
    assert evidence.ksbs.count() == 2
    assert evidence.attachment_name == "My report.pdf"
    assert evidence.attachment_type == "application/pdf"
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", evidence.attachment.name)
    assert default_storage.exists(evidence.attachment.name)
    html = as_apprentice.get(evidence.get_absolute_url()).content.decode()
    assert "Pull request #42 in acme/payments" in html
    assert "My report.pdf" in html


def test_save_and_submit_needs_a_ksb_and_keeps_what_was_typed(as_apprentice, apprenticeship):
    response = as_apprentice.post(
        create_url(apprenticeship), form_data(apprenticeship, ksbs=[], action="submit")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose at least one KSB this evidence shows before submitting." in html
    assert 'value="Set up the CI pipeline"' in html
    assert not Evidence.objects.exists()


def test_a_draft_may_have_no_ksbs_yet(as_apprentice, apprenticeship):
    as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, ksbs=[]))
    assert Evidence.objects.get().ksbs.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"off_the_job_hours": "-1"}, "off_the_job_hours", "Hours cannot be negative."),
        ({"off_the_job_hours": "25"}, "off_the_job_hours", "A day's entry is at most 24 hours."),
        ({"off_the_job_hours": "lots"}, "off_the_job_hours", "Enter a number."),
        ({"url": "javascript:alert(1)"}, "url", "starting with http:// or https://"),
        ({"url": "data:text/html,hi"}, "url", "starting with http:// or https://"),
        ({"title": ""}, "title", "This field is required."),
        (
            {"occurred_on": (date.today() + timedelta(days=2)).isoformat()},
            "occurred_on",
            "cannot be in the future",
        ),
        ({"ksbs": ["999999"]}, "ksbs", "Choose KSBs of your own standard only."),
        ({"activity_type": "napping"}, "activity_type", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_beside_the_field(
    as_apprentice, apprenticeship, changes, field, message
):
    response = as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, **changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'role="alert"' in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_ksb_of_another_standard_is_refused(as_apprentice, apprenticeship):
    foreign = KSBFactory()
    response = as_apprentice.post(
        create_url(apprenticeship), form_data(apprenticeship, ksbs=[foreign.pk])
    )
    assert "ksbs" in response.context["form"].errors
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", PNG, "not really a PDF"),
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 60, "not really a PNG"),
        ("tool.exe", b"MZ\x90\x00", "cannot be attached"),
        ("big.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), "The file is larger than 10 MB"),
    ],
)
def test_files_are_checked_by_name_content_and_size(
    as_apprentice, apprenticeship, name, content, message
):
    data = form_data(apprenticeship, attachment=SimpleUploadedFile(name, content))
    response = as_apprentice.post(create_url(apprenticeship), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["attachment"])
    assert not Evidence.objects.exists()


def test_editing_replaces_the_file_and_deletes_the_old_one(
    as_apprentice, apprenticeship, django_capture_on_commit_callbacks
):
    as_apprentice.post(
        create_url(apprenticeship),
        form_data(apprenticeship, attachment=SimpleUploadedFile("a.pdf", PDF)),
    )
    evidence = Evidence.objects.get()
    old = evidence.attachment.name
    url = reverse("tracker:evidence-update", kwargs={"pk": evidence.pk})
    with django_capture_on_commit_callbacks(execute=True):
        as_apprentice.post(
            url, form_data(apprenticeship, attachment=SimpleUploadedFile("b.png", PNG))
        )
    evidence.refresh_from_db()
    assert evidence.attachment_name == "b.png"
    assert not default_storage.exists(old)
    assert default_storage.exists(evidence.attachment.name)
    with django_capture_on_commit_callbacks(execute=True):
        as_apprentice.post(url, form_data(apprenticeship, remove_attachment="on"))
    evidence.refresh_from_db()
    assert not evidence.attachment and evidence.attachment_name == ""


def test_editing_without_a_new_file_keeps_the_stored_one(as_apprentice, apprenticeship):
    as_apprentice.post(
        create_url(apprenticeship),
        form_data(apprenticeship, attachment=SimpleUploadedFile("a.pdf", PDF)),
    )
    evidence = Evidence.objects.get()
    url = reverse("tracker:evidence-update", kwargs={"pk": evidence.pk})
    as_apprentice.post(url, form_data(apprenticeship, title="Renamed"))
    evidence.refresh_from_db()
    assert evidence.title == "Renamed" and evidence.attachment_name == "a.pdf"


def test_delete_asks_first_then_removes_the_evidence_and_its_file(
    as_apprentice, apprenticeship, django_capture_on_commit_callbacks
):
    as_apprentice.post(
        create_url(apprenticeship),
        form_data(apprenticeship, attachment=SimpleUploadedFile("a.pdf", PDF)),
    )
    evidence = Evidence.objects.get()
    name = evidence.attachment.name
    url = reverse("tracker:evidence-delete", kwargs={"pk": evidence.pk})
    assert "Delete “Set up the CI pipeline”?" in as_apprentice.get(url).content.decode()
    assert Evidence.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_apprentice.post(url)
    assert response.url == reverse("tracker:evidence-list", kwargs={"pk": apprenticeship.pk})
    assert not Evidence.objects.exists()
    assert not default_storage.exists(name)


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_submitted_or_accepted_evidence_cannot_be_changed_or_deleted(
    as_apprentice, apprenticeship, status
):
    evidence = EvidenceFactory(apprenticeship=apprenticeship, status=status, title="Kept")
    for name in ("tracker:evidence-update", "tracker:evidence-delete"):
        url = reverse(name, kwargs={"pk": evidence.pk})
        response = as_apprentice.post(url, form_data(apprenticeship), follow=True)
        assert "can no longer be changed" in response.content.decode() or (
            "cannot be deleted" in response.content.decode()
        )
    evidence.refresh_from_db()
    assert evidence.title == "Kept"


# --- submitting and reviewing -----------------------------------------------------------------


@pytest.fixture
def draft(apprenticeship):
    duty = apprenticeship.standard.duties.get(number=1)
    return EvidenceFactory(apprenticeship=apprenticeship, ksbs=list(duty.ksbs.all()[:2]))


def submit(client, evidence):
    return client.post(reverse("tracker:evidence-submit", kwargs={"pk": evidence.pk}))


def decide(client, evidence, decision, comment=""):
    """Decide with every KSB of the evidence ticked, as the form starts."""
    return client.post(
        reverse("tracker:evidence-decide", kwargs={"pk": evidence.pk}),
        {"decision": decision, "comment": comment, "ksbs": [k.pk for k in evidence.ksbs.all()]},
    )


def test_submit_records_it_and_starts_the_duty(as_apprentice, draft, apprentice):
    submit(as_apprentice, draft)
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.submitted_at
    feedback = draft.feedback.get()
    assert (feedback.decision, feedback.author) == ("submitted", apprentice)
    assert duty_rows_from_database(draft.apprenticeship)[0].status == "in_progress"


def test_submit_without_ksbs_is_refused(as_apprentice, apprenticeship):
    evidence = EvidenceFactory(apprenticeship=apprenticeship)
    response = as_apprentice.post(
        reverse("tracker:evidence-submit", kwargs={"pk": evidence.pk}), follow=True
    )
    assert "Choose at least one KSB" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == "draft"


def test_changes_requested_then_resubmitted_then_accepted_keeps_the_whole_story(
    client, draft, apprentice, mentor, mailoutbox, settings
):
    client.force_login(apprentice)
    submit(client, draft)
    client.force_login(mentor)
    response = decide(client, draft, "changes_requested", "")
    assert "Say what should change." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "submitted"
    decide(client, draft, "changes_requested", "Link the pipeline run.")
    draft.refresh_from_db()
    assert draft.status == "changes_requested"
    submitted, changes = mailoutbox
    assert submitted.to == ["mentor@example.com"]
    assert submitted.subject == f"Alex Apprentice submitted evidence “{draft.title}”"
    assert changes.to == ["apprentice@example.com"]
    assert changes.subject == f"Changes asked for on your evidence “{draft.title}”"
    assert "Link the pipeline run." in changes.body
    assert f"{settings.SITE_URL}{draft.get_absolute_url()}" in changes.body

    client.force_login(apprentice)
    home = client.get(draft.apprenticeship.get_absolute_url()).content.decode()
    assert "Changes requested" in home and draft.title in home
    url = reverse("tracker:evidence-update", kwargs={"pk": draft.pk})
    client.post(
        url,
        {
            **form_data(draft.apprenticeship),
            "action": "submit",
            "ksbs": [k.pk for k in draft.ksbs.all()],
        },
    )
    draft.refresh_from_db()
    assert draft.status == "submitted"

    client.force_login(mentor)
    response = decide(client, draft, "accepted", "Well done.")
    assert response.url == reverse("progress:evidence-queue")
    draft.refresh_from_db()
    assert draft.status == "accepted"
    history = [
        (f.decision, f.author.email, f.comment) for f in draft.feedback.select_related("author")
    ]
    assert history == [
        ("submitted", "apprentice@example.com", ""),
        ("changes_requested", "mentor@example.com", "Link the pipeline run."),
        ("submitted", "apprentice@example.com", ""),
        ("accepted", "mentor@example.com", "Well done."),
    ]
    page = client.get(draft.get_absolute_url()).content.decode()
    assert page.count("Submitted for review</strong>") == 2


def test_only_supervisors_decide_and_only_on_submitted_evidence(
    client, draft, apprentice, other_manager, mentor
):
    client.force_login(apprentice)
    submit(client, draft)
    assert decide(client, draft, "accepted").status_code == 403
    client.force_login(other_manager)
    assert decide(client, draft, "accepted").status_code == 404
    client.force_login(mentor)
    decide(client, draft, "accepted")
    response = client.post(
        reverse("tracker:evidence-decide", kwargs={"pk": draft.pk}),
        {"decision": "changes_requested", "comment": "Again"},
        follow=True,
    )
    assert "not waiting for review" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "accepted"
    assert EvidenceFeedback.objects.filter(evidence=draft).count() == 2


def test_every_ksb_of_a_duty_accepted_makes_it_evidenced(
    client, apprenticeship, apprentice, mentor
):
    duty = apprenticeship.standard.duties.get(number=2)
    evidence = EvidenceFactory(apprenticeship=apprenticeship, ksbs=list(duty.ksbs.all()))
    client.force_login(apprentice)
    submit(client, evidence)
    client.force_login(mentor)
    decide(client, evidence, "accepted")
    assert duty_rows_from_database(apprenticeship)[1].status == "evidenced"
    html = client.get(
        reverse("tracker:duty-list", kwargs={"pk": apprenticeship.pk})
    ).content.decode()
    assert f"{duty.ksbs.count()} of {duty.ksbs.count()} KSBs evidenced" in html


# --- downloads ------------------------------------------------------------------------------------


def test_download_goes_through_a_checked_view(
    client, apprenticeship, apprentice, mentor, other_apprentice, other_manager
):
    client.force_login(apprentice)
    client.post(
        create_url(apprenticeship),
        form_data(apprenticeship, attachment=SimpleUploadedFile("Notes.pdf", PDF)),
    )
    evidence = Evidence.objects.get()
    url = reverse("tracker:evidence-file", kwargs={"pk": evidence.pk})
    for user in (apprentice, mentor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert 'attachment; filename="Notes.pdf"' in response["Content-Disposition"]
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_evidence_without_a_file_has_no_download(as_apprentice, apprenticeship):
    evidence = EvidenceFactory(apprenticeship=apprenticeship)
    assert (
        as_apprentice.get(reverse("tracker:evidence-file", kwargs={"pk": evidence.pk})).status_code
        == 404
    )


# --- lists ----------------------------------------------------------------------------------------


def list_url(apprenticeship):
    return reverse("tracker:evidence-list", kwargs={"pk": apprenticeship.pk})


def test_list_paginates_filters_and_sorts(as_apprentice, apprenticeship):
    k1 = apprenticeship.standard.ksbs.get(kind="K", number=1)
    for n in range(30):
        EvidenceFactory(
            apprenticeship=apprenticeship,
            title=f"Item {n:02d}",
            occurred_on=date.today() - timedelta(days=n),
            status="accepted" if n % 3 == 0 else "draft",
            ksbs=[k1] if n < 4 else [],
        )
    first = as_apprentice.get(list_url(apprenticeship))
    assert len(first.context["evidence_list"]) == 25
    assert first.context["evidence_list"][0].title == "Item 00"
    oldest = as_apprentice.get(list_url(apprenticeship), {"sort": "oldest"})
    assert oldest.context["evidence_list"][0].title == "Item 29"
    accepted = as_apprentice.get(list_url(apprenticeship), {"status": "accepted"})
    assert accepted.context["page_obj"].paginator.count == 10
    by_ksb = as_apprentice.get(list_url(apprenticeship), {"ksb": k1.pk})
    assert by_ksb.context["page_obj"].paginator.count == 4
    duty = k1.duties.first()
    by_duty = as_apprentice.get(list_url(apprenticeship), {"duty": duty.pk})
    assert by_duty.context["page_obj"].paginator.count == 4
    assert "status=accepted&amp;page=2" not in accepted.content.decode()
    second = as_apprentice.get(list_url(apprenticeship), {"page": 2, "sort": "oldest"})
    assert len(second.context["evidence_list"]) == 5


def test_tampered_filters_are_ignored(as_apprentice, apprenticeship):
    EvidenceFactory(apprenticeship=apprenticeship)
    foreign = KSBFactory()
    for params in (
        {"ksb": foreign.pk},
        {"ksb": "abc"},
        {"duty": "999"},
        {"status": "x"},
        {"sort": "sideways"},
    ):
        response = as_apprentice.get(list_url(apprenticeship), params)
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == 1


def test_queue_lists_submitted_evidence_oldest_first(client, apprenticeship, mentor, apprentice):
    from django.utils import timezone

    older = EvidenceFactory(
        apprenticeship=apprenticeship,
        status="submitted",
        submitted_at=timezone.now() - timedelta(days=5),
    )
    newer = EvidenceFactory(
        apprenticeship=apprenticeship, status="submitted", submitted_at=timezone.now()
    )
    EvidenceFactory(apprenticeship=apprenticeship, status="draft")
    client.force_login(mentor)
    listed = client.get(reverse("progress:evidence-queue")).context["evidence_list"]
    assert [item.pk for item in listed] == [older.pk, newer.pk]
    client.force_login(apprentice)
    assert client.get(reverse("progress:evidence-queue")).context["evidence_list"] == []


def test_queue_length_follows_every_submission_and_decision(
    client, apprenticeship, other_apprenticeship, globex_apprenticeship, manager, mentor, draft
):
    """The queue's length is read from the tallies and kept between requests: each change of
    the evidence moves it, for everyone who supervises it and no one else."""

    def length(user):
        client.force_login(user)
        return client.get(reverse("progress:evidence-queue")).context["page_obj"].paginator.count

    EvidenceFactory(apprenticeship=other_apprenticeship, status="submitted")
    EvidenceFactory(apprenticeship=globex_apprenticeship, status="submitted")
    assert (length(manager), length(mentor)) == (1, 0)  # the mentor mentors only the first
    client.force_login(apprenticeship.apprentice)
    submit(client, draft)
    assert (length(manager), length(mentor)) == (2, 1)
    assert decide(client, draft, "accepted").status_code == 302
    assert (length(manager), length(mentor)) == (1, 0)
    EvidenceFactory(apprenticeship=apprenticeship, status="submitted").delete()
    assert (length(manager), length(mentor)) == (1, 0)
    waiting = Evidence.objects.filter(
        status="submitted", apprenticeship__organisation=apprenticeship.organisation
    )
    assert length(manager) == waiting.count()


@pytest.mark.parametrize("control", ["\u202e", "\u2067"])
def test_a_title_with_hidden_text_direction_characters_is_refused_beside_it(
    as_apprentice, apprenticeship, control
):
    data = form_data(apprenticeship, title=f"Fixed the {control}enilepip")
    response = as_apprentice.post(create_url(apprenticeship), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["title"][0].startswith("Remove the hidden text-direction characters")
    assert form["description"].value() == "Wrote the workflow and its tests."
    assert not Evidence.objects.exists()


def test_a_title_in_arabic_or_hebrew_is_accepted(as_apprentice, apprenticeship):
    title = "צינור הבדיקות \u200fمع الفريق"
    as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, title=title))
    assert Evidence.objects.get().title == title
