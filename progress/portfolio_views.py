"""The portfolio's background builds: a PDF, or a zip of the PDF with every accepted evidence
file. Each is a job of the person who asks, for an apprenticeship whose portfolio they may see;
its page (accounts:job) shows the progress and then the download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.jobs import create_job, enqueue
from accounts.models import BackgroundJob
from accounts.permissions import Action, get_apprenticeship_for

WHAT = {
    BackgroundJob.Kind.PORTFOLIO_PDF: "The portfolio's PDF",
    BackgroundJob.Kind.PORTFOLIO_ZIP: "The portfolio's zip (its PDF and every evidence file)",
}


def _build(request, pk, kind):
    apprenticeship, _ = get_apprenticeship_for(
        request.user, pk, action=Action.VIEW_PORTFOLIO, seen=(request, "download")
    )
    job = create_job(
        kind=kind,
        by=request.user,
        organisation=apprenticeship.organisation,
        apprenticeship=apprenticeship,
        total=1,
    )
    enqueue(job)
    messages.success(request, f"{WHAT[kind]} is being built: this page shows how far it has got.")
    return redirect("accounts:job", pk=job.pk)


@login_required
@require_POST
def portfolio_build_pdf(request, pk):
    return _build(request, pk, BackgroundJob.Kind.PORTFOLIO_PDF)


@login_required
@require_POST
def portfolio_build_zip(request, pk):
    return _build(request, pk, BackgroundJob.Kind.PORTFOLIO_ZIP)
