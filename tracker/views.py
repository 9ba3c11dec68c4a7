from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship
from accounts.selectors import apprenticeship_overview
from skillscan.selectors import scan_panel
from standards.models import KSB, Duty
from standards.selectors import standard_structure

from .charts import weekly_chart
from .forms import (
    ApprenticeSignForm,
    EvidenceDecisionForm,
    EvidenceForm,
    ProgressReviewForm,
    SignOffForm,
    UndoSignOffForm,
)
from .links import describe_link
from .models import DutyProgress, Evidence, EvidenceFeedback, ProgressReview
from .selectors import (
    DutyRow,
    derived_status,
    duty_rows,
    hours_summary,
    latest_scan_means,
    next_review,
    weekly_hours,
)
from .services import (
    TrackerError,
    duty_progress_ensure,
    duty_sign_off,
    duty_sign_off_undo,
    evidence_decide,
    evidence_delete,
    evidence_save,
    evidence_submit,
    progress_review_save,
    progress_review_sign,
)

PAGE_SIZE = 25


def _apprenticeship(user, pk):
    return get_object_or_404(
        Apprenticeship.objects.visible_to(user).select_related(
            "standard", "apprentice", "mentor", "organisation"
        ),
        pk=pk,
    )


def _supervises(user, apprenticeship):
    return (
        apprenticeship.apprentice_id != user.pk
        and Apprenticeship.objects.supervised_by(user).filter(pk=apprenticeship.pk).exists()
    )


def _evidence(user, pk):
    return get_object_or_404(
        Evidence.objects.visible_to(user).select_related(
            "apprenticeship__standard", "apprenticeship__apprentice", "apprenticeship__mentor"
        ),
        pk=pk,
    )


def _with_links(items):
    for item in items:
        item.link = describe_link(item.url)
    return items


# --- the apprenticeship's home -------------------------------------------------------------------


@login_required
def apprenticeship_home(request, pk):
    """The apprenticeship's home page: programme and people, the skills scan, progress per
    duty, off-the-job hours, recent evidence and the next review."""
    apprenticeship = get_object_or_404(
        Apprenticeship.objects.visible_to(request.user).for_list(), pk=pk
    )
    structure = standard_structure(apprenticeship.standard)
    context = apprenticeship_overview(
        user=request.user,
        apprenticeship=apprenticeship,
        kinds=Counter(ksb.kind for ksb in structure.ksbs),
        duty_count=len(structure.duties),
    )
    context.update(scan_panel(apprenticeship, is_apprentice=context["is_apprentice"]))
    recent = list(apprenticeship.evidence.order_by("-updated_at", "-pk")[:5])
    context.update(
        duties=duty_rows(apprenticeship, structure, scans=context["scans"]),
        hours=hours_summary(apprenticeship),
        recent_evidence=_with_links(recent),
        changes_requested=[e for e in recent if e.status == Evidence.Status.CHANGES_REQUESTED],
        next_review=next_review(apprenticeship),
    )
    return render(request, "tracker/apprenticeship_home.html", context)


# --- evidence ------------------------------------------------------------------------------------

SORTS = {"newest": ("-occurred_on", "-pk"), "oldest": ("occurred_on", "pk")}


@login_required
def evidence_list(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    evidence = apprenticeship.evidence.prefetch_related(
        Prefetch("ksbs", queryset=KSB.objects.order_by(*KSB._meta.ordering))
    )
    status = request.GET.get("status", "")
    if status in Evidence.Status.values:
        evidence = evidence.filter(status=status)
    else:
        status = ""
    ksbs = list(KSB.objects.filter(standard_id=apprenticeship.standard_id))
    duties = list(Duty.objects.filter(standard_id=apprenticeship.standard_id))
    ksb = _pick(request.GET.get("ksb"), ksbs)
    if ksb:
        evidence = evidence.filter(ksbs=ksb)
    duty = _pick(request.GET.get("duty"), duties)
    if duty:
        evidence = evidence.filter(ksbs__duties=duty).distinct()
    sort = request.GET.get("sort", "newest")
    if sort not in SORTS:
        sort = "newest"
    page = Paginator(evidence.order_by(*SORTS[sort]), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tracker/evidence_list.html",
        {
            "apprenticeship": apprenticeship,
            "page_obj": page,
            "evidence_list": _with_links(list(page.object_list)),
            "statuses": Evidence.Status.choices,
            "status": status,
            "ksbs": ksbs,
            "ksb": ksb,
            "duties": duties,
            "duty": duty,
            "sort": sort,
            "is_apprentice": apprenticeship.apprentice_id == request.user.pk,
            "filtered": bool(status or ksb or duty),
        },
    )


def _pick(value, items):
    """The item whose pk is ``value``, or None for anything else (a tampered id included)."""
    return next((item for item in items if str(item.pk) == str(value)), None) if value else None


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


def _evidence_form_view(request, apprenticeship, evidence=None):
    submitting = request.POST.get("action") == "submit"
    form = EvidenceForm(
        request.POST or None,
        request.FILES or None,
        instance=evidence,
        apprenticeship=apprenticeship,
        submitting=submitting,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = evidence_save(
                user=request.user,
                apprenticeship=apprenticeship,
                evidence=evidence,
                fields=form.model_fields(),
                ksbs=list(form.cleaned_data["ksbs"]),
                attachment=form.cleaned_data.get("attachment"),
                attachment_type=form.attachment_type,
                remove_attachment=form.cleaned_data.get("remove_attachment", False),
            )
            if submitting:
                evidence_submit(evidence=saved, user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(evidence or apprenticeship)
        else:
            messages.success(
                request,
                "Evidence submitted for review." if submitting else "Evidence saved as a draft.",
            )
            return redirect(saved)
    return render(
        request,
        "tracker/evidence_form.html",
        {
            "apprenticeship": apprenticeship,
            "evidence": evidence,
            "form": form,
            **_picker_context(apprenticeship, form),
        },
    )


@login_required
def evidence_create(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    if apprenticeship.apprentice_id != request.user.pk:
        raise PermissionDenied("Only the apprentice records their own evidence.")
    return _evidence_form_view(request, apprenticeship)


@login_required
def evidence_update(request, pk):
    evidence = _evidence(request.user, pk)
    if evidence.apprenticeship.apprentice_id != request.user.pk:
        raise PermissionDenied("Only the apprentice changes their own evidence.")
    if not evidence.is_editable:
        messages.info(
            request, "This evidence has been submitted or accepted and can no longer be changed."
        )
        return redirect(evidence)
    return _evidence_form_view(request, evidence.apprenticeship, evidence)


@login_required
def evidence_detail(request, pk):
    evidence = _evidence(request.user, pk)
    apprenticeship = evidence.apprenticeship
    supervises = _supervises(request.user, apprenticeship)
    return render(
        request,
        "tracker/evidence_detail.html",
        {
            "evidence": evidence,
            "apprenticeship": apprenticeship,
            "link": describe_link(evidence.url),
            "ksbs": evidence.ksbs.all(),
            "history": evidence.feedback.select_related("author"),
            "is_apprentice": apprenticeship.apprentice_id == request.user.pk,
            "can_review": supervises and evidence.status == Evidence.Status.SUBMITTED,
            "decision_form": EvidenceDecisionForm(),
        },
    )


@login_required
@require_POST
def evidence_submit_view(request, pk):
    evidence = _evidence(request.user, pk)
    if evidence.apprenticeship.apprentice_id != request.user.pk:
        raise PermissionDenied("Only the apprentice submits their own evidence.")
    try:
        evidence_submit(evidence=evidence, user=request.user)
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Evidence submitted for review.")
    return redirect(evidence)


@login_required
@require_POST
def evidence_decide_view(request, pk):
    evidence = _evidence(request.user, pk)
    if not _supervises(request.user, evidence.apprenticeship):
        raise PermissionDenied("Only the apprentice's mentor or a manager reviews evidence.")
    form = EvidenceDecisionForm(request.POST)
    if form.is_valid():
        try:
            evidence_decide(
                evidence=evidence,
                user=request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                build_url=request.build_absolute_uri,
            )
        except TrackerError as exc:
            messages.error(request, str(exc))
        else:
            accepted = form.cleaned_data["decision"] == EvidenceFeedback.Decision.ACCEPTED
            messages.success(
                request,
                "Evidence accepted." if accepted else "Changes requested; the apprentice is told.",
            )
            return redirect("tracker:evidence-queue") if accepted else redirect(evidence)
        return redirect(evidence)
    return render(
        request,
        "tracker/evidence_detail.html",
        {
            "evidence": evidence,
            "apprenticeship": evidence.apprenticeship,
            "link": describe_link(evidence.url),
            "ksbs": evidence.ksbs.all(),
            "history": evidence.feedback.select_related("author"),
            "is_apprentice": False,
            "can_review": evidence.status == Evidence.Status.SUBMITTED,
            "decision_form": form,
        },
    )


@login_required
def evidence_delete_view(request, pk):
    evidence = _evidence(request.user, pk)
    if evidence.apprenticeship.apprentice_id != request.user.pk:
        raise PermissionDenied("Only the apprentice deletes their own evidence.")
    if not evidence.is_editable:
        messages.info(request, "Submitted or accepted evidence cannot be deleted.")
        return redirect(evidence)
    if request.method == "POST":
        apprenticeship = evidence.apprenticeship
        evidence_delete(evidence=evidence, user=request.user)
        messages.success(request, f"“{evidence.title}” deleted.")
        return redirect("tracker:evidence-list", pk=apprenticeship.pk)
    return render(request, "tracker/evidence_delete.html", {"evidence": evidence})


@login_required
def evidence_file(request, pk):
    """Download an attachment, only for someone who may see the evidence."""
    evidence = _evidence(request.user, pk)
    if not evidence.attachment:
        raise Http404("This evidence has no file.")
    try:
        handle = evidence.attachment.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.attachment_name or "evidence",
        content_type=evidence.attachment_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def evidence_queue(request):
    """Submitted evidence waiting for the employer, oldest first."""
    evidence = (
        Evidence.objects.filter(
            status=Evidence.Status.SUBMITTED,
            apprenticeship__in=Apprenticeship.objects.supervised_by(request.user),
        )
        .exclude(apprenticeship__apprentice=request.user)
        .select_related("apprenticeship__apprentice", "apprenticeship__standard")
        .prefetch_related("ksbs")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(evidence, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tracker/evidence_queue.html",
        {"page_obj": page, "evidence_list": _with_links(list(page.object_list))},
    )


# --- duties --------------------------------------------------------------------------------------


@login_required
def duty_list(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    structure = standard_structure(apprenticeship.standard)
    rows = duty_rows(apprenticeship, structure)
    return render(
        request,
        "tracker/duty_list.html",
        {
            "apprenticeship": apprenticeship,
            "rows": rows,
            "signed_off": sum(row.is_signed_off for row in rows),
        },
    )


def _duty(request, pk, number):
    apprenticeship = _apprenticeship(request.user, pk)
    duty = get_object_or_404(
        Duty.objects.prefetch_related("ksbs"), standard_id=apprenticeship.standard_id, number=number
    )
    duty.standard = apprenticeship.standard
    progress = (
        DutyProgress.objects.select_related("signed_off_by")
        .filter(apprenticeship=apprenticeship, duty=duty)
        .first()
    )
    if progress is None:  # a duty added to the standard after the apprenticeship started
        duty_progress_ensure(apprenticeship=apprenticeship)
        progress = DutyProgress.objects.get(apprenticeship=apprenticeship, duty=duty)
    return apprenticeship, duty, progress


@login_required
def duty_detail(request, pk, number):
    apprenticeship, duty, progress = _duty(request, pk, number)
    duty_ksbs = list(duty.ksbs.all())
    evidence = _with_links(
        list(
            apprenticeship.evidence.filter(ksbs__in=duty_ksbs)
            .exclude(status=Evidence.Status.DRAFT)
            .prefetch_related("ksbs")
            .distinct()
            .order_by("-occurred_on", "-pk")
        )
    )
    ksb_rows = []
    for ksb in duty_ksbs:
        mapped = [e for e in evidence if ksb in e.ksbs.all()]
        ksb_rows.append(
            {
                "ksb": ksb,
                "evidence": mapped,
                "accepted": any(e.status == Evidence.Status.ACCEPTED for e in mapped),
            }
        )
    accepted = {r["ksb"].pk for r in ksb_rows if r["accepted"]}
    active = {r["ksb"].pk for r in ksb_rows if r["evidence"]}
    means, _ = latest_scan_means(apprenticeship, [duty])
    row = DutyRow(
        duty=duty,
        progress=progress,
        covered=len(accepted),
        total=len(duty_ksbs),
        status=progress.status
        if progress.status == DutyProgress.Status.SIGNED_OFF
        else derived_status({k.pk for k in duty_ksbs}, accepted, active),
        scan_mean=means.get(duty.pk),
    )
    return render(
        request,
        "tracker/duty_detail.html",
        {
            "apprenticeship": apprenticeship,
            "duty": duty,
            "progress": progress,
            "row": row,
            "ksb_rows": ksb_rows,
            "missing": [r["ksb"] for r in ksb_rows if not r["accepted"]],
            "events": progress.events.select_related("by"),
            "supervises": _supervises(request.user, apprenticeship),
        },
    )


def _duty_action(request, pk, number, form_class, action, template):
    apprenticeship, duty, progress = _duty(request, pk, number)
    if not _supervises(request.user, apprenticeship):
        raise PermissionDenied("Only the apprentice's mentor or a manager signs off duties.")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(progress=progress, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(progress)
        else:
            return redirect(progress)
    return render(
        request,
        template,
        {"apprenticeship": apprenticeship, "duty": duty, "progress": progress, "form": form},
    )


@login_required
def duty_sign_off_view(request, pk, number):
    response = _duty_action(
        request, pk, number, SignOffForm, duty_sign_off, "tracker/duty_sign_off.html"
    )
    if request.method == "POST" and response.status_code == 302:
        messages.success(request, f"Duty {number} signed off.")
    return response


@login_required
def duty_undo_view(request, pk, number):
    response = _duty_action(
        request, pk, number, UndoSignOffForm, duty_sign_off_undo, "tracker/duty_undo.html"
    )
    if request.method == "POST" and response.status_code == 302:
        messages.success(request, f"The sign-off of duty {number} is undone.")
    return response


# --- hours ---------------------------------------------------------------------------------------


@login_required
def hours(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    weeks = weekly_hours(apprenticeship)
    return render(
        request,
        "tracker/hours.html",
        {
            "apprenticeship": apprenticeship,
            "hours": hours_summary(apprenticeship),
            "weeks": weeks,
            "chart": weekly_chart(weeks),
        },
    )


# --- progress reviews ----------------------------------------------------------------------------


@login_required
def progress_review_list(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    reviews = list(apprenticeship.reviews.select_related("recorded_by", "employer_signed_by"))
    return render(
        request,
        "tracker/progress_review_list.html",
        {
            "apprenticeship": apprenticeship,
            "reviews": reviews,
            "next_review": next_review(apprenticeship, latest=reviews[0] if reviews else None),
            "supervises": _supervises(request.user, apprenticeship),
        },
    )


def _review_form_view(request, apprenticeship, review=None):
    form = ProgressReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            saved = progress_review_save(
                user=request.user,
                apprenticeship=apprenticeship,
                review=review,
                fields=form.model_fields(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(review or apprenticeship)
        else:
            messages.success(request, "Review saved. Sign it when it is complete.")
            return redirect(saved)
    return render(
        request,
        "tracker/progress_review_form.html",
        {"apprenticeship": apprenticeship, "review": review, "form": form},
    )


@login_required
def progress_review_create(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    if not _supervises(request.user, apprenticeship):
        raise PermissionDenied("Only the apprentice's mentor or a manager records reviews.")
    return _review_form_view(request, apprenticeship)


def _review(user, pk):
    return get_object_or_404(
        ProgressReview.objects.visible_to(user).select_related(
            "apprenticeship__apprentice",
            "apprenticeship__standard",
            "recorded_by",
            "employer_signed_by",
        ),
        pk=pk,
    )


@login_required
def progress_review_update(request, pk):
    review = _review(request.user, pk)
    if not _supervises(request.user, review.apprenticeship):
        raise PermissionDenied("Only the apprentice's mentor or a manager edits reviews.")
    if review.employer_signed_at:
        messages.info(request, "The review is signed and can no longer be edited.")
        return redirect(review)
    return _review_form_view(request, review.apprenticeship, review)


@login_required
def progress_review_detail(request, pk):
    review = _review(request.user, pk)
    is_apprentice = review.apprenticeship.apprentice_id == request.user.pk
    form = ApprenticeSignForm(
        request.POST or None, initial={"comments": review.apprentice_comments}
    )
    if request.method == "POST" and not is_apprentice:
        raise PermissionDenied("Only the apprentice adds their comments here.")
    if request.method == "POST" and form.is_valid():
        try:
            progress_review_sign(
                review=review, user=request.user, comments=form.cleaned_data["comments"]
            )
        except TrackerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "You have signed the review.")
        return redirect(review)
    return render(
        request,
        "tracker/progress_review_detail.html",
        {
            "review": review,
            "apprenticeship": review.apprenticeship,
            "is_apprentice": is_apprentice,
            "supervises": _supervises(request.user, review.apprenticeship),
            "form": form,
        },
    )


@login_required
@require_POST
def progress_review_sign_view(request, pk):
    review = _review(request.user, pk)
    try:
        progress_review_sign(review=review, user=request.user)
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "You have signed the review.")
    return redirect(review)
