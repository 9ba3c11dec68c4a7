"""Issue 17: a portfolio an assessor can use. Each piece of accepted evidence once, in date
order and numbered, with its description, link, file, the KSBs it was accepted for, who accepted
it and when and the feedback; the KSB x evidence matrix; the duty summary; its PDF (under 15
A4 pages for the month-22 demo apprentice) and its zip, built as background jobs."""

import csv
import io
import zipfile
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from accounts.jobs import create_job, run
from accounts.models import Apprenticeship, BackgroundJob, Membership
from progress.portfolio import portfolio
from progress.portfolio_files import portfolio_pdf
from standards.selectors import standard_structure
from tests.factories import EvidenceFactory, make_scan
from tracker.models import EvidenceFeedback
from tracker.services import evidence_comment, evidence_decide, evidence_submit
from tracker.services.duties import duty_sign_off

pytestmark = pytest.mark.django_db

NOTES = b"Notes from the incident review.\n" * 40


def ksb(apprenticeship, code):
    return apprenticeship.standard.ksbs.get(kind=code[0], number=int(code[1:]))


def decided(apprenticeship, mentor, *, days_ago, codes, title, refused=(), **fields):
    """Evidence submitted by the apprentice and accepted by ``mentor`` for ``codes``, the KSBs
    of ``refused`` claimed too but not accepted (with a reason)."""
    evidence = EvidenceFactory(
        apprenticeship=apprenticeship,
        title=title,
        occurred_on=date.today() - timedelta(days=days_ago),
        ksbs=[ksb(apprenticeship, code) for code in (*codes, *refused)],
        **fields,
    )
    evidence_submit(evidence=evidence, user=apprenticeship.apprentice)
    outcomes = {ksb(apprenticeship, code).pk: (True, "") for code in codes}
    outcomes |= {ksb(apprenticeship, code).pk: (False, f"{code} not shown.") for code in refused}
    evidence_decide(
        evidence=evidence,
        user=mentor,
        decision=EvidenceFeedback.Decision.ACCEPTED,
        comment="Clear, and matches what I saw.",
        ksb_outcomes=outcomes,
    )
    evidence.refresh_from_db()
    return evidence


@pytest.fixture
def world(apprenticeship, mentor, media):
    """Three accepted pieces logged out of date order (one with a file, one refused a KSB), and
    a submitted, a draft and a sent-back piece that the portfolio must leave out."""
    middle = decided(
        apprenticeship,
        mentor,
        days_ago=20,
        codes=["K1", "S1"],
        refused=["K2"],
        title="Built the deployment pipeline",
        description="Wrote the pipeline; it deploys on every merge.",
        url="https://github.com/acme/app/pull/7",
    )
    middle.attachment.save("ignored.txt", ContentFile(NOTES), save=False)
    middle.attachment_name = "incident notes.txt"
    middle.save()
    evidence_comment(evidence=middle, user=apprenticeship.apprentice, comment="Thanks, noted.")
    newest = decided(apprenticeship, mentor, days_ago=5, codes=["K1", "B1"], title="Ran a retro")
    oldest = decided(apprenticeship, mentor, days_ago=40, codes=["K3"], title="Read the SRE book")
    EvidenceFactory(apprenticeship=apprenticeship, status="submitted", title="Waiting piece")
    EvidenceFactory(apprenticeship=apprenticeship, status="draft", title="Draft piece")
    EvidenceFactory(
        apprenticeship=apprenticeship, status="changes_requested", title="Sent back piece"
    )
    return oldest, middle, newest


def page(client, user, apprenticeship):
    client.force_login(user)
    response = client.get(reverse("progress:portfolio", kwargs={"pk": apprenticeship.pk}))
    assert response.status_code == 200
    return response


# --- contents ----------------------------------------------------------------------------------


def test_each_accepted_piece_once_in_date_order(client, apprentice, apprenticeship, world):
    oldest, middle, newest = world
    response = page(client, apprentice, apprenticeship)
    items = response.context["items"]
    assert [(i.label, i.evidence.pk) for i in items] == [
        ("E1", oldest.pk),
        ("E2", middle.pk),
        ("E3", newest.pk),
    ]
    html = response.content.decode()
    for evidence in world:
        assert html.count(evidence.title) == 1, evidence.title
    for absent in ("Waiting piece", "Draft piece", "Sent back piece"):
        assert absent not in html


def test_each_piece_shows_what_an_assessor_needs(client, apprentice, apprenticeship, world):
    _, middle, _ = world
    response = page(client, apprentice, apprenticeship)
    item = response.context["items"][1]
    assert [k.code for k, _ in item.accepted] == ["K1", "S1"]
    assert [(k.code, reason) for k, reason in item.not_accepted] == [("K2", "K2 not shown.")]
    assert item.acceptance.author.email == "mentor@example.com"
    assert item.acceptance.party == "employer"
    assert [f.comment for f in item.feedback] == [
        "Clear, and matches what I saw.",
        "Thanks, noted.",
    ]
    assert (item.file.name, item.file.size, item.file.zip_name) == (
        "incident notes.txt",
        len(NOTES),
        "files/E2-incident_notes.txt",
    )
    html = response.content.decode()
    assert "Wrote the pipeline; it deploys on every merge." in html
    assert 'href="https://github.com/acme/app/pull/7"' in html
    download = reverse("tracker:evidence-file", kwargs={"pk": middle.pk})
    assert f'href="{download}">incident notes.txt</a> (1.2\xa0KB)' in html
    assert "Mina Mentor (employer), " in html
    assert "K2: “K2 not shown.”" in html and "Thanks, noted." in html
    assert b"".join(client.get(download).streaming_content) == NOTES


def test_the_matrix_has_a_row_per_ksb_with_the_numbers_and_the_gaps(
    client, apprentice, apprenticeship, world
):
    response = page(client, apprentice, apprenticeship)
    rows = {entry.ksb.code: entry.labels for entry in response.context["entries"]}
    assert list(rows) == [k.code for k in apprenticeship.standard.ksbs.all()]  # 9, code order
    assert rows["K1"] == ["E2", "E3"] and rows["K3"] == ["E1"] and rows["S1"] == ["E2"]
    assert rows["K2"] == []  # claimed, not accepted: a gap
    assert response.context["gaps"] == 9 - 4
    html = response.content.decode()
    assert "2. KSBs and the evidence covering them" in html
    assert html.count('class="matrix-gap"') == 5
    assert html.count('<strong class="missing-evidence">None yet</strong>') == 5


def test_the_duty_summary_says_who_signed_off_and_what_is_covered(
    client, apprentice, apprenticeship, world, mentor
):
    duty = apprenticeship.standard.duties.order_by("number").first()
    missing = [k.pk for k in duty.ksbs.all() if k.code not in {"K1", "K3", "S1", "B1"}]
    duty_sign_off(
        apprenticeship=apprenticeship,
        duty=duty,
        user=mentor,
        note="Seen it done.",
        unevidenced=missing,
        reason="Seen on the job.",
    )
    response = page(client, apprentice, apprenticeship)
    rows = response.context["duties"]
    assert len(rows) == 3
    first = rows[0]
    assert first.sign_off.by == mentor
    covered = {k.code for k in duty.ksbs.all()} & {"K1", "K3", "S1", "B1"}
    assert (first.covered, first.total) == (len(covered), duty.ksbs.count())
    assert [row.sign_off for row in rows[1:]] == [None, None]
    html = response.content.decode()
    assert "Mina Mentor (employer), " in html and html.count("Not signed off") == 2


@pytest.mark.parametrize("count", [3, 60])
def test_queries_do_not_grow_with_the_evidence(
    client, apprentice, apprenticeship, mentor, media, count, django_assert_num_queries
):
    codes = ["K1", "K2", "S1", "B1"]
    for n in range(count):
        evidence = decided(
            apprenticeship, mentor, days_ago=n + 1, codes=codes[n % 4 :][:2], title=f"Piece {n}"
        )
        if n % 3 == 0:
            evidence.attachment.save(f"f{n}.txt", ContentFile(b"x"), save=True)
    duty_sign_off(
        apprenticeship=apprenticeship,
        duty=apprenticeship.standard.duties.first(),
        user=mentor,
        note="Seen.",
        unevidenced=[
            k.pk for k in apprenticeship.standard.duties.first().ksbs.all() if k.code not in codes
        ],
        reason="Seen on the job.",
    )
    make_scan(apprenticeship, status="validated", scores={"K1": 3})
    client.force_login(apprentice)
    standard_structure(apprenticeship.standard)  # kept per process: read once, not per page
    # The session, the user, the apprenticeship; then the builder's eight: the evidence, its
    # feedback, their per-KSB decisions, its accepted KSB links, the KSBs' wording history,
    # the latest scan, its ratings, the duties' sign-offs.
    with django_assert_num_queries(11):
        client.get(reverse("progress:portfolio", kwargs={"pk": apprenticeship.pk}))
    with django_assert_num_queries(8):  # the same for the PDF and the zip
        portfolio(apprenticeship)


def test_user_text_is_escaped_in_the_page_and_in_the_zips_index(
    client, apprentice, apprenticeship, mentor, media
):
    decided(
        apprenticeship,
        mentor,
        days_ago=3,
        codes=["K1"],
        title="<script>alert(1)</script>",
        description='=HYPERLINK("https://evil.example","click")',
    )
    html = page(client, apprentice, apprenticeship).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(&#34;https://evil.example&#34;,&#34;click&#34;)" in html
    archive = zipfile.ZipFile(io.BytesIO(build(client, apprentice, apprenticeship, "zip")))
    rows = list(csv.reader(io.StringIO(archive.read("index.csv").decode())))
    assert rows[1][2] == "<script>alert(1)</script>"
    assert rows[1][3] == '\'=HYPERLINK("https://evil.example","click")'


# --- the PDF and the zip, as background jobs ---------------------------------------------------


def build(client, user, apprenticeship, what):
    """POST the build, follow to the job's page, and return the result's bytes."""
    client.force_login(user)
    response = client.post(
        reverse(f"progress:portfolio-build-{what}", kwargs={"pk": apprenticeship.pk})
    )
    job = BackgroundJob.objects.get(created_by=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:job", kwargs={"pk": job.pk})
    assert (job.kind, job.apprenticeship, job.state) == (
        f"portfolio_{what}",
        apprenticeship,
        "done",
    )
    assert job.percent == 100
    assert "Download" in client.get(response["Location"]).content.decode()
    result = client.get(reverse("accounts:job-result", kwargs={"pk": job.pk}))
    assert result.status_code == 200
    return b"".join(result.streaming_content)


def test_the_pdf_is_built_in_the_background(client, mentor, apprenticeship, world):
    pdf = build(client, mentor, apprenticeship, "pdf")
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Wrote the pipeline; it deploys on every merge." in text
    assert "Mina Mentor" in text and "2. KSBs and the evidence covering them" in text


def test_the_zip_holds_the_pdf_every_file_and_an_index(client, apprentice, apprenticeship, world):
    archive = zipfile.ZipFile(io.BytesIO(build(client, apprentice, apprenticeship, "zip")))
    names = archive.namelist()
    pdfs = [name for name in names if name.endswith(".pdf")]
    assert len(pdfs) == 1 and archive.read(pdfs[0]).startswith(b"%PDF-")
    assert sorted(set(names) - set(pdfs)) == ["files/E2-incident_notes.txt", "index.csv"]
    assert archive.read("files/E2-incident_notes.txt") == NOTES
    rows = list(csv.reader(io.StringIO(archive.read("index.csv").decode())))
    assert [row[0] for row in rows[1:]] == ["E1", "E2", "E3"]
    assert rows[2][7:10] == ["files/E2-incident_notes.txt", str(len(NOTES)), "K1, S1"]
    assert rows[2][10] == "Mina Mentor"


def test_nobody_builds_someone_elses_portfolio(
    client, other_apprentice, other_manager, apprenticeship, world
):
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        for what in ("pdf", "zip"):
            url = reverse(f"progress:portfolio-build-{what}", kwargs={"pk": apprenticeship.pk})
            assert client.post(url).status_code == 404
            assert client.get(url).status_code == 405
    assert not BackgroundJob.objects.exists()


def test_a_job_whose_creator_lost_access_fails_without_a_file(apprenticeship, mentor, world):
    job = create_job(
        kind=BackgroundJob.Kind.PORTFOLIO_PDF, by=mentor, apprenticeship=apprenticeship, total=1
    )
    Membership.objects.filter(user=mentor).delete()
    assert run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == "You may no longer see this portfolio." and not job.result


# --- the month-22 demo apprentice --------------------------------------------------------------


def test_the_month_22_demo_portfolio_prints_on_fewer_than_15_pages(settings, media):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    near = Apprenticeship.objects.for_list().get(apprentice__email="apprentice3@example.com")
    assert near.month_of_programme() == 22
    content = portfolio(near)
    assert content["evidence_count"] >= 15
    reader = PdfReader(io.BytesIO(portfolio_pdf(near, content)))
    assert len(reader.pages) < 15
    text = "\n".join(p.extract_text() for p in reader.pages)
    first = content["items"][0]
    assert first.evidence.description in text
    assert str(first.acceptance.author) in text
    assert "KSBs and the evidence covering them" in text
    assert "3. Duties" in text


def test_an_assessors_built_file_is_logged_and_ends_with_the_access(
    client, apprenticeship, mentor, world
):
    from accounts.models import AssessorAccess, AssessorView
    from tests.factories import UserFactory, assessor_access

    eve = UserFactory(email="eve.assessor@example.com")
    access, _ = assessor_access(apprenticeship, eve, by=mentor)
    assert build(client, eve, apprenticeship, "pdf").startswith(b"%PDF-")
    job = BackgroundJob.objects.get(created_by=eve)
    result = reverse("accounts:job-result", kwargs={"pk": job.pk})
    logged = AssessorView.objects.filter(access=access, what="download", path=result)
    assert logged.count() == 1
    AssessorAccess.objects.filter(pk=access.pk).update(expires_on=date.today() - timedelta(1))
    assert client.get(result).status_code == 404  # no role any more: the file is gone to them
    assert logged.count() == 1
