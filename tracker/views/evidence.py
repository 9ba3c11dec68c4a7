"""Evidence: the apprentice logs, changes, submits and deletes it (its page and the employer's
decision are in decisions.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship
from accounts.permissions import Action, get_apprenticeship_for, get_record_for
from core.once import AlreadySubmitted, already_submitted
from core.storage import open_stored, signed_download_url
from core.tables import paginate
from standards.models import Standard
from standards.selectors import standard_structure

from ..forms import EvidenceForm
from ..models import Evidence
from ..selectors import evidence_listing, with_ksbs, with_links
from ..services import (
    TrackerError,
    evidence_delete,
    evidence_save,
    evidence_submit,
)

EVIDENCE = Evidence.objects.select_related(
    "apprenticeship__standard", "apprenticeship__apprentice", "apprenticeship__mentor"
)


def _evidence(request, pk, action=Action.VIEW):
    return get_record_for(request.user, EVIDENCE, pk=pk, action=action)


@login_required
def evidence_list(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, queryset=Apprenticeship.objects.for_list()
    )
    listing = evidence_listing(apprenticeship, request.GET)
    page = paginate(request, listing.evidence)
    return render(
        request,
        "tracker/evidence_list.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "page_obj": page,
            "evidence_list": _with_versions(
                with_ksbs(
                    with_links(list(page.object_list)),
                    standard_structure(apprenticeship.standard),
                ),
                apprenticeship.standard,
            ),
            "statuses": Evidence.Status.choices,
            "listing": listing,
        },
    )


def _with_versions(items, standard):
    """Each piece of evidence given ``ksb_tags``, [(code, "from version 1.0" or "")] in the
    order of its ``ksb_list``: a KSB of an older version is named so. One query, only when
    some evidence still points at such a KSB."""
    others = {k.standard_id for item in items for k in item.ksb_list} - {standard.pk}
    versions = {}
    if others:
        versions = dict(Standard.objects.filter(pk__in=others).values_list("pk", "version"))
    for item in items:
        item.ksb_tags = [
            (k.code, f"from version {versions[k.standard_id]}" if k.standard_id in versions else "")
            for k in item.ksb_list
        ]
    return items


def _picker_context(apprenticeship, form):
    """The KSB picker: every KSB of the standard, grouped by kind, each with its duties."""
    structure = standard_structure(apprenticeship.standard)
    chosen = {str(v) for v in (form["ksbs"].value() or [])}
    return {
        "picker_groups": [
            (label, [(ksb, str(ksb.pk) in chosen) for ksb in ksbs])
            for label, ksbs in structure.groups
        ],
        "picker_duties": structure.duties,
    }


def _save(request, form, apprenticeship, evidence, submitting):
    saved = evidence_save(
        user=request.user,
        apprenticeship=apprenticeship,
        evidence=evidence,
        fields=form.model_fields(),
        ksbs=list(form.cleaned_data["ksbs"]),
        attachment=form.cleaned_data.get("attachment"),
        attachment_type=form.attachment_type,
        remove_attachment=form.cleaned_data.get("remove_attachment", False),
        submission_key=form.cleaned_data.get("submission_key"),
    )
    if submitting:
        evidence_submit(evidence=saved, user=request.user)
    return saved


def _evidence_form_view(request, apprenticeship, evidence=None):
    submitting = request.POST.get("action") == "submit"
    form = EvidenceForm(
        request.POST or None,
        request.FILES or None,
        instance=evidence,
        apprenticeship=apprenticeship,
        submitting=submitting,
    )
    if request.method == "POST" and evidence is None:
        done = already_submitted(request, apprenticeship.evidence.all())
        if done:
            messages.info(request, "This evidence was saved already; here it is.")
            return redirect(done)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, apprenticeship, evidence, submitting)
        except AlreadySubmitted as exc:
            messages.info(request, "This evidence was saved already; here it is.")
            return redirect(exc.obj)
        except ValidationError as exc:
            form.add_error(None, exc)
            form.say_file_not_kept()
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(evidence or apprenticeship)
        else:
            messages.success(
                request,
                "Evidence submitted for review." if submitting else "Evidence saved as a draft.",
            )
            return redirect(saved)
    context = {"apprenticeship": apprenticeship, "evidence": evidence, "form": form}
    return render(
        request, "tracker/evidence_form.html", {**context, **_picker_context(apprenticeship, form)}
    )


@login_required
def evidence_create(request, pk):
    apprenticeship, _ = get_apprenticeship_for(
        request.user, pk, action=Action.LOG_EVIDENCE, queryset=Apprenticeship.objects.for_list()
    )
    return _evidence_form_view(request, apprenticeship)


@login_required
def evidence_update(request, pk):
    evidence, _ = _evidence(request, pk, Action.LOG_EVIDENCE)
    if not evidence.is_editable:
        messages.info(
            request, "This evidence has been submitted or accepted and can no longer be changed."
        )
        return redirect(evidence)
    return _evidence_form_view(request, evidence.apprenticeship, evidence)


@login_required
@require_POST
def evidence_submit_view(request, pk):
    evidence, _ = _evidence(request, pk, Action.LOG_EVIDENCE)
    try:
        evidence_submit(evidence=evidence, user=request.user)
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Evidence submitted for review.")
    return redirect(evidence)


@login_required
def evidence_delete_view(request, pk):
    evidence, _ = _evidence(request, pk, Action.LOG_EVIDENCE)
    if not evidence.is_editable:
        messages.info(request, "Submitted or accepted evidence cannot be deleted.")
        return redirect(evidence)
    if request.method == "POST":
        evidence_delete(evidence=evidence, user=request.user)
        messages.success(request, f"“{evidence.title}” deleted.")
        return redirect("tracker:evidence-list", pk=evidence.apprenticeship_id)
    return render(request, "tracker/evidence_delete.html", {"evidence": evidence})


@login_required
def evidence_file(request, pk):
    """Download an attachment, only for someone who may see the portfolio (the end-point
    assessor too: their download is logged)."""
    evidence, _ = get_record_for(
        request.user, EVIDENCE, pk=pk, action=Action.VIEW_PORTFOLIO, seen=(request, "download")
    )
    if not evidence.attachment:
        raise Http404("This evidence has no file.")
    storage, name = evidence.attachment.storage, evidence.attachment.name
    filename = evidence.attachment_name or "evidence"
    content_type = evidence.attachment_type or "application/octet-stream"
    try:
        if settings.STORAGE_S3_SIGNED_DOWNLOADS:
            # Only now, with the permission checked: the store serves the bytes itself.
            url = signed_download_url(storage, name, filename=filename, content_type=content_type)
            if url:
                response = HttpResponseRedirect(url)
                # The signed URL is this user's alone: no cache along the way keeps it.
                patch_cache_control(response, private=True, no_store=True)
                return response
        handle = open_stored(storage, name)
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    if getattr(handle, "size", None) is not None and "Content-Length" not in response:
        response["Content-Length"] = handle.size
    return response
