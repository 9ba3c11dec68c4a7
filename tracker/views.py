from collections import Counter
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship, Organisation, User
from accounts.selectors import apprenticeship_overview
from core.charts import column_chart
from core.csv import csv_response, csv_stream
from core.tables import paginate, pick
from skillscan.selectors import duty_history_chart, one_decimal, scan_overview
from standards.models import KSB, Duty
from standards.selectors import standard_structure

from . import dashboard
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
    evidenced_ksb_ids,
    gateway_for,
    gateway_readiness,
    heatmap,
    hours_summary,
    latest_scan_means,
    next_review,
    portfolio,
    week_start,
    weekly_hours,
)
from .services import (
    TrackerError,
    apprenticeship_mark_gateway,
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
    """The apprenticeship's home page: what to do next, programme and people, hours, progress
    per duty, the gateway checklist, the KSB heatmap, scans and their history, evidence and the
    next review; at most 15 queries."""
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
    is_apprentice = context["is_apprentice"]
    scans = scan_overview(apprenticeship, structure, is_apprentice=is_apprentice)
    context.update(scans.panel)
    if apprenticeship.status == Apprenticeship.Status.PENDING:
        return render(request, "tracker/apprenticeship_home.html", context)

    accepted, active = evidenced_ksb_ids(apprenticeship)
    latest_means = (
        {duty.pk: one_decimal(mean) for duty, mean in scans.history[-1][1].items()}
        if scans.history
        else {}
    )
    rows = duty_rows(apprenticeship, structure, evidenced=(accepted, active), means=latest_means)
    hours = hours_summary(apprenticeship)
    recent_ids = apprenticeship.evidence.order_by("-occurred_on", "-pk").values("pk")[:5]
    items = list(
        apprenticeship.evidence.filter(
            Q(pk__in=Subquery(recent_ids)) | Q(status=Evidence.Status.CHANGES_REQUESTED)
        ).order_by("-occurred_on", "-pk")
    )
    recent = _with_links(items[:5])
    changes_requested = [e for e in items if e.status == Evidence.Status.CHANGES_REQUESTED]
    latest_review = apprenticeship.reviews.select_related("employer_signed_by").first()
    review = next_review(apprenticeship, latest=latest_review)
    gateway = gateway_readiness(
        apprenticeship,
        structure=structure,
        accepted=accepted,
        rows=rows,
        hours=hours,
        scans=scans.panel["scans"],
        latest_review=latest_review,
        review=review,
    )
    context.update(
        duties=rows,
        hours=hours,
        recent_evidence=recent,
        changes_requested=changes_requested,
        latest_review=latest_review,
        next_review=review,
        gateway=gateway,
        heatmap=heatmap(structure, accepted, active, scans.latest_scores),
        latest_scan=scans.latest,
        history_chart=duty_history_chart(scans.history, structure.duties)
        if len(scans.history) > 1
        else None,
        next_actions=_next_actions(
            apprenticeship,
            context,
            scans,
            changes_requested,
            recent,
            latest_review,
            review,
            gateway,
        ),
    )
    return render(request, "tracker/apprenticeship_home.html", context)


def _next_actions(
    apprenticeship, context, scans, changes_requested, recent, latest_review, review, gateway
):
    """At most three things to do next, most pressing first, each (text, url)."""
    pk = apprenticeship.pk
    actions = []
    panel = scans.panel
    today = date.today()
    if context["is_apprentice"]:
        if panel["draft"]:
            draft = panel["draft"]
            actions.append(
                (
                    f"Finish your {draft.get_stage_display().lower()} skills scan "
                    f"({draft.rated} of {context['ksb_total']} rated)",
                    reverse(
                        "skillscan:scan-rate", kwargs={"pk": draft.pk, "section": panel["resume"]}
                    ),
                )
            )
        elif "initial" in panel["startable"]:
            actions.append(("Take your initial skills scan", "#scan-heading"))
        for evidence in changes_requested[:2]:
            actions.append(
                (
                    f"Answer the changes requested on “{evidence.title}”",
                    reverse("tracker:evidence-update", kwargs={"pk": evidence.pk}),
                )
            )
        if (
            latest_review
            and latest_review.employer_signed_at
            and not latest_review.apprentice_signed_at
        ):
            actions.append(
                (
                    f"Add your comments to the progress review of {latest_review.held_on:%-d %B} "
                    "and sign it",
                    latest_review.get_absolute_url(),
                )
            )
        if not any(e.occurred_on >= week_start(today) for e in recent):
            actions.append(
                (
                    "Log this week's off-the-job hours",
                    reverse("tracker:evidence-create", kwargs={"pk": pk}),
                )
            )
    else:
        for scan in panel["awaiting"][:1]:
            actions.append(
                (
                    f"Validate the {scan.get_stage_display().lower()} skills scan",
                    reverse("skillscan:scan-validate", kwargs={"pk": scan.pk}),
                )
            )
        waiting = sum(1 for e in recent if e.status == Evidence.Status.SUBMITTED)
        if waiting:
            actions.append(
                (
                    f"Review the evidence waiting for you ({waiting} recent)",
                    reverse("tracker:evidence-list", kwargs={"pk": pk}) + "?status=submitted",
                )
            )
        if latest_review and not latest_review.employer_signed_at:
            actions.append(("Sign the progress review", latest_review.get_absolute_url()))
        elif review.overdue or review.days <= 14:
            actions.append(
                (
                    f"Record the progress review ({review.label})",
                    reverse("tracker:progress-review-create", kwargs={"pk": pk}),
                )
            )
        if gateway.ready and apprenticeship.status == Apprenticeship.Status.ACTIVE:
            actions.append(
                (
                    "Mark the apprenticeship at gateway",
                    reverse("tracker:gateway", kwargs={"pk": pk}),
                )
            )
    return actions[:3]


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
    ksb = pick(request.GET.get("ksb"), ksbs)
    if ksb:
        evidence = evidence.filter(ksbs=ksb)
    duty = pick(request.GET.get("duty"), duties)
    if duty:
        evidence = evidence.filter(ksbs__duties=duty).distinct()
    sort = request.GET.get("sort", "newest")
    if sort not in SORTS:
        sort = "newest"
    page = paginate(request, evidence.order_by(*SORTS[sort]))
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
    page = paginate(request, evidence)
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
            "chart": column_chart(weeks),
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


# --- gateway ------------------------------------------------------------------------------------


@login_required
def gateway(request, pk):
    """Mark the apprenticeship "at gateway" (confirm first), when the checklist holds."""
    apprenticeship = _apprenticeship(request.user, pk)
    if not _supervises(request.user, apprenticeship):
        raise PermissionDenied("Only the apprentice's mentor or a manager marks gateway.")
    readiness = gateway_for(apprenticeship)
    if request.method == "POST":
        try:
            apprenticeship_mark_gateway(
                apprenticeship=apprenticeship,
                user=request.user,
                gateway=readiness,
                note=request.POST.get("note", ""),
            )
        except TrackerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{apprenticeship.apprentice} is now at gateway.")
        return redirect(apprenticeship)
    return render(
        request,
        "tracker/gateway.html",
        {"apprenticeship": apprenticeship, "gateway": readiness},
    )


# --- dashboard ------------------------------------------------------------------------------------


@login_required
def dashboard_router(request):
    """Where a user lands after logging in: an apprentice on their apprenticeship, anyone who
    sees several apprenticeships (employers) on the dashboard, a newcomer on first steps."""
    user = request.user
    if not (user.is_superuser or user.memberships.exists()):
        own = list(
            Apprenticeship.objects.filter(apprentice=user)
            .exclude(status=Apprenticeship.Status.WITHDRAWN)
            .values_list("pk", flat=True)[:2]
        )
        if len(own) == 1:
            return redirect("apprenticeship-home", pk=own[0])
        if not own:
            return redirect("accounts:get-started")
    return redirect("tracker:dashboard")


def _dashboard_rows(request):
    """(every visible apprenticeship, those the request's filters keep sorted as it asks, the
    filters), annotated only with what the filtering and sorting need."""
    user = request.user
    today = date.today()
    visible = Apprenticeship.objects.visible_to(user)
    rows = visible
    status = request.GET.get("status", "")
    if status in Apprenticeship.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    mentors = list(
        User.objects.filter(mentored_apprenticeships__in=visible)
        .distinct()
        .order_by("full_name", "email")
    )
    mentor = next((m for m in mentors if str(m.pk) == request.GET.get("mentor")), None)
    if mentor:
        rows = rows.filter(mentor=mentor)
    attention = request.GET.get("attention") == "1"
    if attention:
        rows = dashboard.with_progress(rows, today, ("needs_attention",)).filter(
            needs_attention=True
        )
    sort = request.GET.get("sort", dashboard.DEFAULT_SORT)
    if sort.removeprefix("-") not in dashboard.SORTS:
        sort = dashboard.DEFAULT_SORT
    rows = dashboard.with_progress(rows, today, dashboard.sort_needs(sort)).order_by(
        *dashboard.ordering(sort)
    )
    return (
        visible,
        rows,
        {
            "status": status,
            "mentors": mentors,
            "mentor": mentor,
            "attention": attention,
            "sort": sort,
        },
    )


def _full_rows(queryset):
    return dashboard.with_progress(queryset).select_related("apprentice", "standard", "mentor")


@login_required
def dashboard_view(request):
    """Every visible apprenticeship with its progress: a page of 25 is sorted and filtered in
    the database on just the figures that need, then only its rows get every figure."""
    visible, rows, filters = _dashboard_rows(request)
    page = paginate(request, rows.values_list("pk", flat=True))
    pks = list(page.object_list)
    by_pk = {row.pk: row for row in _full_rows(Apprenticeship.objects.filter(pk__in=pks))}
    page_rows = [by_pk[pk] for pk in pks]
    today = date.today()
    for row in page_rows:
        row.month = row.month_of_programme(today)
        row.next_review_on = dashboard.next_review_date(row, today)
    columns = [
        ("apprentice", "Apprentice"),
        ("standard", "Standard"),
        ("month", "Month"),
        ("duties", "Duties signed off"),
        ("coverage", "KSB coverage"),
        ("hours", "Hours"),
        ("evidence", "Evidence to review"),
        ("scan", "Scan to validate"),
        ("review", "Next review"),
        ("activity", "Last activity"),
    ]
    return render(
        request,
        "tracker/dashboard.html",
        {
            "page_obj": page,
            "rows": page_rows,
            "counts": dashboard.counts(visible, today),
            "columns": [
                (
                    key,
                    label,
                    filters["sort"].removeprefix("-") == key,
                    filters["sort"].startswith("-"),
                )
                for key, label in columns
            ],
            "statuses": Apprenticeship.Status.choices,
            "organisations": list(Organisation.objects.visible_to(request.user)[:20]),
            "is_employer": request.user.is_employer,
            **filters,
        },
    )


DASHBOARD_CSV_HEADER = [
    "apprentice",
    "email",
    "standard",
    "status",
    "month",
    "of months",
    "duties signed off",
    "duties",
    "KSB coverage %",
    "hours accepted",
    "hours expected by today",
    "hours on track",
    "evidence to review",
    "scan to validate",
    "next review",
    "review overdue",
    "mentor",
    "last activity",
]


@login_required
def dashboard_csv(request):
    """The dashboard's table, every row (not one page), streamed as CSV."""
    _, rows, _ = _dashboard_rows(request)
    today = date.today()
    return csv_stream(
        f"apprenticeships-{today}.csv",
        DASHBOARD_CSV_HEADER,
        (
            [
                row.apprentice or "",
                row.apprentice.email if row.apprentice else "",
                f"{row.standard.reference} v{row.standard.version}",
                row.get_status_display(),
                row.month_of_programme(today),
                row.duration_months,
                row.duties_signed,
                row.duties_total,
                round(row.coverage),
                row.hours_accepted,
                round(row.hours_expected, 1),
                "no" if row.behind else "yes",
                row.evidence_waiting,
                "yes" if row.scan_waiting else "no",
                dashboard.next_review_date(row, today),
                "yes" if row.review_overdue else "no",
                row.mentor or "",
                row.last_activity,
            ]
            for row in _full_rows(rows).iterator(chunk_size=500)
        ),
    )


# --- portfolio ------------------------------------------------------------------------------------


@login_required
def portfolio_view(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    return render(
        request,
        "tracker/portfolio.html",
        {"apprenticeship": apprenticeship, "today": date.today(), **portfolio(apprenticeship)},
    )


@login_required
def portfolio_csv(request, pk):
    apprenticeship = _apprenticeship(request.user, pk)
    data = portfolio(apprenticeship)
    name = slugify(
        f"portfolio {apprenticeship.apprentice or ''} {apprenticeship.standard.reference}"
    )
    return csv_response(
        f"{name}.csv",
        ["code", "ksb", "duties", "latest agreed score", "evidence", "evidence dates", "links"],
        (
            [
                entry.ksb.code,
                entry.ksb.description,
                " ".join(str(duty.number) for duty in entry.ksb.duty_list),
                entry.score,
                " | ".join(item.title for item in entry.evidence),
                " | ".join(item.occurred_on.isoformat() for item in entry.evidence),
                " | ".join(item.url for item in entry.evidence if item.url),
            ]
            for entry in data["entries"]
        ),
    )
