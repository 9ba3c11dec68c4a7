"""Pages of bulk enrolment: upload a CSV, see what each row would do, confirm; the import then
runs as a background job whose page (accounts:job) shows its progress and result file. Each
starts from the permission layer: BULK_ENROL at the organisation (an employer's managers, a
provider's managers for a partner employer, an admin)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.tables import paginate

from .bulk import COLUMNS, ERROR, INVITE, MAX_BYTES, MAX_ROWS, SKIP, BulkFileError
from .bulk_import import bulk_enrol_confirm, bulk_enrol_preview, preview_rows, template_csv
from .jobs import jobs_of
from .models import BackgroundJob, Organisation, Partnership
from .permissions import Action, get_organisation_for

PREVIEW_PAGE_SIZE = 50


def partner_employers(provider):
    """The employers in an active partnership with ``provider``."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.EMPLOYER,
        provider_partnerships__in=Partnership.objects.active().filter(provider=provider),
    ).order_by("name")


class BulkEnrolForm(forms.Form):
    employer = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Employer",
        empty_label="Choose an employer",
        help_text="One of the employers your provider is in partnership with.",
        error_messages={"required": "Choose the employer the apprentices work for."},
    )
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8, with a header row; at most {MAX_ROWS:,} apprentices and "
        f"{MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choose the CSV file to upload."},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        if organisation.is_provider:
            self.fields["employer"].queryset = partner_employers(organisation)
        else:
            del self.fields["employer"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", code="too_big"
            )
        return upload


@login_required
def bulk_enrol(request, pk):
    organisation, _ = get_organisation_for(request.user, pk, action=Action.BULK_ENROL)
    form = BulkEnrolForm(request.POST or None, request.FILES or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        employer = form.cleaned_data.get("employer") or organisation
        provider = organisation if organisation.is_provider else None
        try:
            job = bulk_enrol_preview(
                user=request.user,
                organisation=employer,
                provider=provider,
                content=upload.read(),
                filename=upload.name,
            )
        except BulkFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("accounts:bulk-enrol-preview", pk=job.pk)
    return render(
        request,
        "accounts/bulk_enrol.html",
        {"organisation": organisation, "form": form, "columns": COLUMNS},
    )


@login_required
def bulk_enrol_template(request, pk):
    get_organisation_for(request.user, pk, action=Action.BULK_ENROL)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bulk-enrolment-template.csv"'
    return response


def _preview_job(request, pk):
    """The user's own bulk enrolment job (404 for anyone else's), while they may still enrol
    at its organisation (or at the provider that enrols for it): 403 when they may not."""
    job = get_object_or_404(
        jobs_of(request.user)
        .filter(kind=BackgroundJob.Kind.BULK_ENROLMENT)
        .select_related("organisation"),
        pk=pk,
    )
    provider_pk = job.summary.get("_provider")
    get_organisation_for(request.user, provider_pk or job.organisation_id, action=Action.BULK_ENROL)
    return job


@login_required
def bulk_enrol_preview_view(request, pk):
    job = _preview_job(request, pk)
    if job.state != BackgroundJob.State.PREVIEW:
        return redirect("accounts:job", pk=job.pk)
    if request.method == "POST":
        bulk_enrol_confirm(user=request.user, job=job)
        messages.success(
            request,
            "Import confirmed: this page shows its progress, and the result file once it is done.",
        )
        return redirect("accounts:job", pk=job.pk)
    try:
        rows = preview_rows(job)
    except BulkFileError as exc:
        rows, problem = [], str(exc)
    else:
        problem = ""
    tally = {INVITE: 0, SKIP: 0, ERROR: 0}
    for row in rows:
        tally[row.result] += 1
    shown = request.GET.get("show", "")
    listed = [row for row in rows if row.result == shown] if shown in tally else rows
    page = paginate(request, listed, per_page=PREVIEW_PAGE_SIZE)
    return render(
        request,
        "accounts/bulk_enrol_preview.html",
        {
            "job": job,
            "organisation": job.organisation,
            "page_obj": page,
            "tally": tally,
            "shown": shown if shown in tally else "",
            "problem": problem,
            "total": len(rows),
        },
    )
