"""The page of a background job (its progress, then its result or what went wrong), the same
figures as JSON for the page's script, and the result's download. Only the person who started
a job sees it: for anyone else it does not exist (404)."""

import mimetypes

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from core.storage import open_stored, signed_download_url

from .jobs import jobs_of
from .models import BackgroundJob
from .permissions import Action, get_apprenticeship_for

# Seconds between refreshes of the page without JavaScript (the script polls more often).
REFRESH_SECONDS = 3
POLL_MILLISECONDS = 1500
RUNNING = (BackgroundJob.State.QUEUED, BackgroundJob.State.RUNNING)


def _job(request, pk):
    return get_object_or_404(
        jobs_of(request.user).select_related("organisation", "apprenticeship"), pk=pk
    )


def job_status_data(job):
    """What the page shows of the job, for its script."""
    return {
        "state": job.state,
        "state_label": job.get_state_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.state not in RUNNING and job.state != BackgroundJob.State.PREVIEW,
        "error": job.error,
        "result_url": reverse("accounts:job-result", kwargs={"pk": job.pk}) if job.result else "",
    }


def _back(job):
    """(words, URL) of the page the job belongs to."""
    if job.apprenticeship_id:
        return "the apprenticeship", job.apprenticeship.get_absolute_url()
    if job.organisation_id:
        return str(job.organisation), job.organisation.get_absolute_url()
    return "your home page", reverse("progress:start")


@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    if job.state == BackgroundJob.State.PREVIEW and job.kind == BackgroundJob.Kind.BULK_ENROLMENT:
        return redirect("accounts:bulk-enrol-preview", pk=job.pk)
    back_label, back_url = _back(job)
    summary = [
        (str(key).replace("_", " ").capitalize(), value)
        for key, value in job.summary.items()
        if not str(key).startswith("_")
    ]
    return render(
        request,
        "accounts/job.html",
        {
            "job": job,
            "running": job.state in RUNNING,
            "refresh_seconds": REFRESH_SECONDS,
            "poll_milliseconds": POLL_MILLISECONDS,
            "summary": summary,
            "back_label": back_label,
            "back_crumb": back_label[:1].upper() + back_label[1:],
            "back_url": back_url,
        },
    )


@login_required
def job_status(request, pk):
    response = JsonResponse(job_status_data(_job(request, pk)))
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def job_result(request, pk):
    """The job's result file: streamed, or from the object store by a signed URL."""
    job = _job(request, pk)
    if job.state != BackgroundJob.State.DONE or not job.result:
        raise Http404("This job has no result file.")
    if job.apprenticeship_id is not None:
        # The file shows the apprenticeship's portfolio: whoever built it must still see it
        # (an assessor's access ends), and an assessor's download is logged like any other.
        get_apprenticeship_for(
            request.user,
            job.apprenticeship_id,
            action=Action.VIEW_PORTFOLIO,
            seen=(request, "download"),
        )
    filename = job.result_name or "result"
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    storage = default_storage
    try:
        if settings.STORAGE_S3_SIGNED_DOWNLOADS:
            url = signed_download_url(
                storage, job.result, filename=filename, content_type=content_type
            )
            if url:
                response = HttpResponseRedirect(url)
                patch_cache_control(response, private=True, no_store=True)
                return response
        handle = open_stored(storage, job.result)
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    if getattr(handle, "size", None) is not None and "Content-Length" not in response:
        response["Content-Length"] = handle.size
    return response
