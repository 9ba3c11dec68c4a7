"""Bulk enrolment from a CSV: the preview says what each row would do under the rules of one
invitation, the confirmed import invites through the invitation service and leaves a result
file; a file of 5,000 apprentices imports in under a minute with a fixed number of queries per
row. The job's pages are the creator's alone (tests/accounts/test_jobs.py has the rest)."""

import csv
import io
import time
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.bulk import (
    ERROR,
    INVITE,
    MAX_ROWS,
    SKIP,
    BulkFileError,
    check_rows,
    read_rows,
)
from accounts.bulk_import import bulk_enrol_confirm, bulk_enrol_preview
from accounts.models import Apprenticeship, BackgroundJob, Invitation, OutgoingEmail, TutorChange
from accounts.permissions import NotAllowed
from accounts.rules import add_months
from tests.conftest import verified_user
from tests.factories import (
    ApprenticeshipFactory,
    MembershipFactory,
    PartnershipFactory,
    ProviderFactory,
    StandardFactory,
)

pytestmark = pytest.mark.django_db

HEADER = "name,email,standard,version,start,planned_end,mentor_email,tutor_email,weekly_hours"
START = date.today().replace(day=1)
END = add_months(START, 18)


def line(
    name="Ann Able",
    email="ann@example.com",
    standard="ST0825",
    version="1.0",
    start=START,
    end=END,
    mentor="",
    tutor="",
    hours="",
):
    return f"{name},{email},{standard},{version},{start},{end},{mentor},{tutor},{hours}"


def csv_file(*lines, header=HEADER):
    return ("\n".join([header, *lines]) + "\n").encode()


@pytest.fixture
def northwind(acme):
    provider = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=provider)
    return provider


@pytest.fixture
def tutor(northwind):
    user = verified_user("tutor@example.com", "Tess Tutor")
    MembershipFactory(user=user, organisation=northwind, role="tutor")
    return user


def results(rows):
    return [(row.result, row.reason) for row in rows]


def check(content, organisation, **kwargs):
    return check_rows(read_rows(content), organisation, **kwargs)


# --- the preview: each row's result ------------------------------------------------------------


def test_good_rows_will_be_invited(acme, standard, mentor, tutor):
    rows = check(
        csv_file(
            line(),
            line(name="Bo  Bright", email="Bo@Example.COM", mentor="MENTOR@example.com"),
            line(name="Cy", email="cy@example.com", tutor="tutor@example.com", hours="37.5"),
        ),
        acme,
    )
    assert results(rows) == [(INVITE, "")] * 3
    assert rows[1].data["full_name"] == "Bo Bright"
    assert rows[1].data["email"] == "Bo@example.com"
    assert rows[1].data["mentor"] == mentor
    assert rows[2].data["tutor"] == tutor and rows[2].data["provider"].name == "Northwind Training"
    assert [row.number for row in rows] == [2, 3, 4]


def test_a_bom_and_header_spelling_are_accepted(acme, standard):
    content = "\ufeff" + HEADER.replace("planned_end", "Planned End").upper() + "\n" + line()
    rows = check(content.encode("utf-8"), acme)
    assert results(rows) == [(INVITE, "")]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"standard": "ST9999"}, "standard: ST9999 is not a standard approved for delivery."),
        ({"version": "9.9"}, "version: ST0825 has no version 9.9 approved for delivery"),
        ({"version": ""}, "version: choose the version of ST0825 (1.0)."),
        ({"start": "2026-13-01"}, "start date: Enter a valid date."),
        ({"start": "", "end": END}, "start date: enter a date"),
        ({"end": START - timedelta(days=1)}, "planned end date: The planned end date must be"),
        ({"end": add_months(START, 6)}, "planned end date: An apprenticeship starting"),
        ({"start": "2013-06-01", "end": "2015-06-01"}, "start date: The start cannot be before"),
        ({"email": "not-an-address"}, "email: Enter a valid email address."),
        ({"name": ""}, "full name: This field is required."),
        ({"mentor": "stranger@example.com"}, "mentor: stranger@example.com is not a member"),
        ({"mentor": "ann@example.com"}, "mentor: ann@example.com is not a member"),
        ({"tutor": "mentor@example.com"}, "tutor: mentor@example.com is not a tutor or manager"),
        ({"hours": "61"}, "weekly hours: Ensure this value is less than or equal to 60."),
        ({"hours": "many"}, "weekly hours: Enter a number."),
    ],
)
def test_bad_rows_say_why(acme, standard, mentor, fields, reason):
    (row,) = check(csv_file(line(**fields)), acme)
    assert row.result == ERROR
    assert row.reason.startswith(reason), row.reason
    assert row.words.startswith("error: ")


def test_an_apprentice_cannot_be_their_own_mentor(acme, standard, mentor):
    (row,) = check(csv_file(line(email="mentor@example.com", mentor="mentor@example.com")), acme)
    assert (row.result, row.reason) == (ERROR, "mentor: an apprentice cannot be their own mentor.")


def test_a_standard_withdrawn_from_delivery_is_an_error(acme, standard):
    StandardFactory(reference="ST0825", version="2.0", status="retired")
    (row,) = check(csv_file(line(version="2.0")), acme)
    assert row.reason == (
        "version: ST0825 has no version 2.0 approved for delivery (approved: 1.0)."
    )


def test_the_same_email_twice_in_the_file_is_an_error_on_the_later_rows(acme, standard):
    rows = check(
        csv_file(line(), line(email="ANN@example.com"), line(email="bo@example.com")), acme
    )
    assert results(rows) == [(INVITE, ""), (ERROR, "the same e-mail as row 2"), (INVITE, "")]


def test_people_already_enrolled_or_invited_are_skipped(acme, standard, apprenticeship):
    rows = check(csv_file(line(email="apprentice@example.com"), line(email="bo@example.com")), acme)
    assert results(rows) == [(SKIP, "already enrolled"), (INVITE, "")]


def test_people_with_an_open_invitation_are_skipped(acme, standard):
    from tests.factories import invitation_with_token

    invitation_with_token(
        organisation=acme, email="ann@example.com", apprenticeship__standard=standard
    )
    (row,) = check(csv_file(line()), acme)
    assert (row.result, row.reason) == (SKIP, "already invited onto this standard")


def test_a_withdrawn_apprenticeship_does_not_stop_a_new_enrolment(
    acme, standard, apprentice, manager
):
    from accounts.status import apprenticeship_status_change

    ended = ApprenticeshipFactory(apprentice=apprentice, standard=standard, organisation=acme)
    apprenticeship_status_change(apprenticeship=ended, to="withdrawn", by=manager, reason="Left")
    (row,) = check(csv_file(line(email="apprentice@example.com")), acme)
    assert row.result == INVITE


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (HEADER.encode() + b"\n", "The file has a header row but no apprentices."),
        (b"name,email\nAnn,ann@example.com\n", "The header row lacks standard, version, start"),
        ("name,email\nAnn,ann\xe9@example.com\n".encode("latin-1"), "The file is not UTF-8"),
        (b"x" * (2 * 1024 * 1024 + 1), "The file is larger than 2 MB."),
    ],
)
def test_files_that_cannot_be_read_say_why(content, message):
    with pytest.raises(BulkFileError, match=message):
        read_rows(content)


def test_a_file_beyond_the_row_limit_is_refused():
    content = csv_file(*[line(email=f"p{n}@example.com") for n in range(MAX_ROWS + 1)])
    with pytest.raises(BulkFileError, match="more than 5,000 apprentices"):
        read_rows(content)


# --- the pages: upload, preview, confirm, result -----------------------------------------------


def upload(client, organisation, content, **data):
    return client.post(
        reverse("accounts:bulk-enrol", kwargs={"pk": organisation.pk}),
        {"file": SimpleUploadedFile("people.csv", content, content_type="text/csv"), **data},
    )


def result_lines(client, job):
    response = client.get(reverse("accounts:job-result", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_manager_uploads_previews_confirms_and_downloads_the_result(
    client, media, acme, standard, manager, mentor, apprenticeship, tutor, mailoutbox
):
    client.force_login(manager)
    page = client.get(reverse("accounts:organisation-detail", kwargs={"pk": acme.pk}))
    assert reverse("accounts:bulk-enrol", kwargs={"pk": acme.pk}) in page.content.decode()
    form = client.get(reverse("accounts:bulk-enrol", kwargs={"pk": acme.pk}))
    assert reverse("accounts:bulk-enrol-template", kwargs={"pk": acme.pk}) in form.content.decode()
    content = csv_file(
        line(mentor="mentor@example.com", tutor="tutor@example.com"),
        line(name="=HYPERLINK(1)", email="bo@example.com", hours="20"),
        line(email="apprentice@example.com"),
        line(email="cy@example.com", version="9.9"),
        line(name="@SUM(A1)", email="ann@example.com"),
    )
    response = upload(client, acme, content)
    job = BackgroundJob.objects.get(created_by=manager)
    assert response.url == reverse("accounts:bulk-enrol-preview", kwargs={"pk": job.pk})
    assert (job.state, job.total, job.organisation) == ("preview", 5, acme)
    preview = client.get(response.url).content.decode()
    assert "<strong>2</strong> will be invited" in preview
    assert "<strong>1</strong> will be skipped" in preview
    assert "<strong>2</strong> with errors" in preview
    assert "=HYPERLINK(1)" in preview  # shown as text, escaped by the template
    assert "the same e-mail as row 2" in preview
    only_errors = client.get(response.url, {"show": "error"}).content.decode()
    assert "bo@example.com" not in only_errors and "cy@example.com" in only_errors
    assert not Invitation.objects.filter(email="bo@example.com").exists()
    assert mailoutbox == []

    done = client.post(response.url)
    assert done.url == reverse("accounts:job", kwargs={"pk": job.pk})
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert job.summary == {"invited": 2, "skipped": 1, "errors": 2}
    invited = Invitation.objects.filter(email__in=["ann@example.com", "bo@example.com"])
    assert invited.count() == 2
    ann = Apprenticeship.objects.get(invitations__email="ann@example.com")
    assert (ann.mentor, ann.tutor, ann.provider.name) == (mentor, tutor, "Northwind Training")
    assert TutorChange.objects.filter(apprenticeship=ann, new_tutor=tutor, by=manager).exists()
    bo = Apprenticeship.objects.get(invitations__email="bo@example.com")
    assert bo.weekly_hours == 20 and bo.status == "pending" and bo.provider is None
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.com", "bo@example.com"]
    assert OutgoingEmail.objects.filter(kind="invitation").count() == 2

    lines = result_lines(client, job)
    assert lines[0] == ["row", "name", "email", "standard", "result", "reason", "invitation"]
    assert lines[1][:5] == ["2", "Ann Able", "ann@example.com", "ST0825 v1.0", "invited"]
    assert lines[2][1] == "'=HYPERLINK(1)"  # a formula-looking cell is escaped
    assert lines[3][4:6] == ["skipped", "already enrolled"]
    assert lines[4][4] == "error" and "no version 9.9" in lines[4][5]
    assert lines[5][1:2] == ["'@SUM(A1)"] and lines[5][5] == "the same e-mail as row 2"
    # Once confirmed, the preview leads to the job; a second confirm starts nothing.
    assert client.post(response.url).url == done.url
    assert Invitation.objects.filter(email="bo@example.com").count() == 1


def test_a_second_run_of_the_same_job_invites_nobody_twice(media, acme, standard, manager):
    job = bulk_enrol_preview(
        user=manager, organisation=acme, content=csv_file(line()), filename="a.csv"
    )
    bulk_enrol_confirm(user=manager, job=job)
    from accounts.jobs import run

    BackgroundJob.objects.filter(pk=job.pk).update(state="running")
    run(job.pk)
    assert Invitation.objects.filter(email="ann@example.com").count() == 1


def test_a_file_that_cannot_be_read_shows_the_form_again(client, media, acme, manager):
    client.force_login(manager)
    response = upload(client, acme, b"name,email\nAnn,ann@example.com\n")
    assert response.status_code == 200
    assert "The header row lacks" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_the_template_csv_has_the_header_and_an_example(client, acme, manager):
    client.force_login(manager)
    response = client.get(reverse("accounts:bulk-enrol-template", kwargs={"pk": acme.pk}))
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_provider_manager_enrols_for_a_partner_employer(
    client, media, acme, globex, standard, northwind, tutor
):
    boss = verified_user("boss@northwind.example", "Nia North")
    MembershipFactory(user=boss, organisation=northwind, role="manager")
    other_provider = ProviderFactory(name="Other Training")
    PartnershipFactory(employer=acme, provider=other_provider)
    stranger = verified_user("stranger.tutor@example.com", "Sid")
    MembershipFactory(user=stranger, organisation=other_provider, role="tutor")
    client.force_login(boss)
    form = client.get(reverse("accounts:bulk-enrol", kwargs={"pk": northwind.pk})).content
    assert b"Acme Digital" in form and b"Globex" not in form
    refused = upload(client, northwind, csv_file(line()), employer=globex.pk)
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not BackgroundJob.objects.filter(created_by=boss).exists()
    response = upload(
        client,
        northwind,
        csv_file(
            line(tutor="tutor@example.com"),
            line(email="b@example.com", tutor="stranger.tutor@example.com"),
            line(email="c@example.com"),
        ),
        employer=acme.pk,
    )
    job = BackgroundJob.objects.get(created_by=boss)
    assert job.organisation == acme and job.summary["_provider"] == northwind.pk
    client.post(response.url)
    job.refresh_from_db()
    assert job.summary["invited"] == 2 and job.summary["errors"] == 1
    made = Apprenticeship.objects.filter(organisation=acme, status="pending")
    assert {a.provider_id for a in made} == {northwind.pk}
    assert {a.tutor for a in made} == {tutor, None}


def test_only_those_who_may_enrol_in_bulk_get_the_pages(client, media, acme, manager, mentor):
    url = reverse("accounts:bulk-enrol", kwargs={"pk": acme.pk})
    client.force_login(mentor)
    assert client.get(url).status_code == 403
    with pytest.raises(NotAllowed):
        bulk_enrol_preview(user=mentor, organisation=acme, content=b"", filename="x.csv")


def test_someone_elses_preview_is_404(client, media, acme, standard, manager, admin_user):
    job = bulk_enrol_preview(
        user=manager, organisation=acme, content=csv_file(line()), filename="a.csv"
    )
    client.force_login(admin_user)
    url = reverse("accounts:bulk-enrol-preview", kwargs={"pk": job.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Invitation.objects.exists()


def test_a_manager_who_left_cannot_confirm(client, media, acme, standard, manager):
    job = bulk_enrol_preview(
        user=manager, organisation=acme, content=csv_file(line()), filename="a.csv"
    )
    manager.memberships.update(role="mentor")
    client.force_login(manager)
    assert (
        client.post(reverse("accounts:bulk-enrol-preview", kwargs={"pk": job.pk})).status_code
        == 403
    )


def test_the_preview_page_reads_a_fixed_number_of_queries(
    client, media, acme, standard, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    counts = []
    for size in (5, 200):
        content = csv_file(*[line(email=f"p{n}-{size}@example.com") for n in range(size)])
        job = bulk_enrol_preview(user=manager, organisation=acme, content=content, filename="f")
        url = reverse("accounts:bulk-enrol-preview", kwargs={"pk": job.pk})
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- 5,000 apprentices ---------------------------------------------------------------------


@pytest.fixture
def workers_send_the_emails(monkeypatch):
    """The e-mails wait in the outbox for the workers that send them (as with a broker),
    instead of being sent in-process one by one while the import runs."""
    waiting = []
    monkeypatch.setattr("accounts.outbox.enqueue", waiting.append)
    return waiting


def _import(content, acme, manager):
    job = bulk_enrol_preview(user=manager, organisation=acme, content=content, filename="f.csv")
    with CaptureQueriesContext(connection) as queries:
        bulk_enrol_confirm(user=manager, job=job)
    job.refresh_from_db()
    assert job.state == "done", job.error
    return job, len(queries)


def people(count, start=0):
    return [
        line(name=f"P {n}", email=f"p{n}@example.com", mentor="mentor@example.com")
        for n in range(start, start + count)
    ]


# The queries of an import: the job's own and the file's lookups, then per batch of 250 rows
# a bounded number (apprenticeships, status records, invitations, e-mails, the tally's refresh,
# a progress write): 33 on SQLite. One query per row would add 250.
QUERIES_PER_BATCH = 40


def test_the_queries_of_an_import_grow_by_batch_not_by_row(
    media, acme, standard, manager, mentor, workers_send_the_emails
):
    _, one_batch = _import(csv_file(*people(250)), acme, manager)
    _, two_batches = _import(csv_file(*people(500, start=250)), acme, manager)
    assert two_batches - one_batch <= QUERIES_PER_BATCH, (one_batch, two_batches)


def test_five_thousand_rows_import_in_under_a_minute(
    media, acme, standard, manager, mentor, workers_send_the_emails
):
    content = csv_file(*people(5000))
    started = time.monotonic()
    job, queries = _import(content, acme, manager)
    elapsed = time.monotonic() - started
    assert elapsed < 60, elapsed
    assert job.summary == {"invited": 5000, "skipped": 0, "errors": 0}
    assert Invitation.objects.filter(organisation=acme).count() == 5000
    assert len(workers_send_the_emails) == 5000
    assert OutgoingEmail.objects.filter(kind="invitation", status="queued").count() == 5000
    assert queries <= 20 * QUERIES_PER_BATCH + 60, queries


def test_a_provider_without_partners_is_told_so(client, db):
    provider = ProviderFactory(name="Lonely Training")
    boss = verified_user("lonely@example.com", "Lee Lonely")
    MembershipFactory(user=boss, organisation=provider, role="manager")
    client.force_login(boss)
    page = client.get(reverse("accounts:bulk-enrol", kwargs={"pk": provider.pk}))
    assert "has no active partnership with an employer yet" in page.content.decode()
