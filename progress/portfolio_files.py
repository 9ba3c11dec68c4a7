"""The portfolio as files, built in the background (accounts.jobs): a PDF from the print
template through WeasyPrint, and a zip of that PDF, every accepted piece of evidence's file
(files/E<n>-<name>) and an index (index.csv, cells escaped by core.csv)."""

import io
import zipfile
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.text import slugify

from accounts.jobs import JobError
from accounts.models import Apprenticeship, BackgroundJob
from accounts.permissions import Action, may, role_of
from core.csv import csv_bytes
from core.storage import open_stored
from tracker.review_pdf import render_pdf

from .portfolio import portfolio

PRINT_TEMPLATE = "progress/portfolio_print.html"
INDEX_HEADER = [
    "number",
    "date",
    "title",
    "description",
    "activity",
    "off-the-job hours",
    "link",
    "file in this zip",
    "file size",
    "accepted for",
    "accepted by",
    "accepted on",
]
# Read and write an evidence file a block at a time, never whole in memory.
BLOCK = 1024 * 1024


def print_context(apprenticeship, content=None):
    """What the print template shows: the portfolio, with links to files made absolute (the
    PDF is read away from the site)."""
    return {
        "apprenticeship": apprenticeship,
        "today": date.today(),
        "link_base": settings.SITE_URL.rstrip("/"),
        **(content or portfolio(apprenticeship)),
    }


def portfolio_print_html(apprenticeship, content=None):
    return render_to_string(PRINT_TEMPLATE, print_context(apprenticeship, content), using="jinja2")


def portfolio_pdf(apprenticeship, content=None):
    """The PDF bytes of the portfolio."""
    return render_pdf(portfolio_print_html(apprenticeship, content))


def base_name(apprenticeship):
    return slugify(
        f"portfolio {apprenticeship.apprentice or ''} {apprenticeship.standard.reference}"
    )


def index_rows(content):
    """A row of index.csv per numbered piece of evidence."""
    for item in content["items"]:
        evidence, acceptance = item.evidence, item.acceptance
        yield [
            item.label,
            evidence.occurred_on,
            evidence.title,
            evidence.description,
            evidence.get_activity_type_display(),
            evidence.off_the_job_hours,
            evidence.url,
            item.file.zip_name if item.file else "",
            item.file.size if item.file else "",
            item.accepted_codes,
            str(acceptance.author or "") if acceptance else "",
            acceptance.created_at if acceptance else None,
        ]


def _copy_file(archive, item, missing):
    """Copy ``item``'s file from the store into the archive; note it in ``missing`` when the
    store no longer has it."""
    try:
        source = open_stored(item.evidence.attachment.storage, item.file.stored_name)
    except FileNotFoundError:
        missing.append(item.label)
        return
    try:
        with archive.open(item.file.zip_name, "w", force_zip64=True) as target:
            while block := source.read(BLOCK):
                target.write(block)
    finally:
        source.close()


def portfolio_zip(apprenticeship, progress=lambda done, total=None: None):
    """(the zip's bytes, a summary): the PDF, each accepted evidence file and index.csv.
    ``progress(done, total)`` counts the PDF and each file."""
    content = portfolio(apprenticeship)
    with_files = [item for item in content["items"] if item.file]
    total = len(with_files) + 1
    progress(0, total)
    buffer = io.BytesIO()
    missing = []
    name = base_name(apprenticeship)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.pdf", portfolio_pdf(apprenticeship, content))
        progress(1, total)
        for done, item in enumerate(with_files, start=2):
            _copy_file(archive, item, missing)
            progress(done, total)
        archive.writestr("index.csv", csv_bytes(INDEX_HEADER, index_rows(content)))
    summary = {"evidence": content["evidence_count"], "files": len(with_files) - len(missing)}
    if missing:
        summary["missing from the store"] = ", ".join(missing)
    return buffer.getvalue(), summary


def _apprenticeship_of(job):
    """The job's apprenticeship, if its creator may still see its portfolio now."""
    apprenticeship = (
        Apprenticeship.objects.for_list().filter(pk=job.apprenticeship_id).first()
        if job.apprenticeship_id
        else None
    )
    if apprenticeship is None:
        raise JobError("The apprenticeship is no longer there.")
    # The user as the task loaded them: their memberships and an assessor's open access are
    # read now (role_of's per-request path, the one that knows the assessor).
    if not may(role_of(job.created_by, apprenticeship), Action.VIEW_PORTFOLIO):
        raise JobError("You may no longer see this portfolio.")
    return apprenticeship


def build_portfolio_pdf(job, progress):
    """The runner of BackgroundJob.Kind.PORTFOLIO_PDF."""
    apprenticeship = _apprenticeship_of(job)
    progress(0, 1)
    content = portfolio(apprenticeship)
    pdf = portfolio_pdf(apprenticeship, content)
    progress(1, 1)
    return pdf, f"{base_name(apprenticeship)}.pdf", {"evidence": content["evidence_count"]}


def build_portfolio_zip(job, progress):
    """The runner of BackgroundJob.Kind.PORTFOLIO_ZIP."""
    apprenticeship = _apprenticeship_of(job)
    data, summary = portfolio_zip(apprenticeship, progress)
    return data, f"{base_name(apprenticeship)}.zip", summary


RUNNERS = {
    BackgroundJob.Kind.PORTFOLIO_PDF: build_portfolio_pdf,
    BackgroundJob.Kind.PORTFOLIO_ZIP: build_portfolio_zip,
}
