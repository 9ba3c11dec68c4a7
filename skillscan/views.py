from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship
from core.csv import csv_response
from core.tables import paginate
from standards.models import KSB
from standards.selectors import standard_structure

from .forms import RatingSectionForm, ValidationForm
from .models import SCORE_DESCRIPTORS, Score, SkillScan
from .selectors import (
    KINDS,
    agreed_scores,
    duty_bar_chart,
    duty_history_chart,
    duty_history_table,
    duty_means,
    resume_section,
    scan_results,
)
from .services import (
    ScanError,
    ScanIncomplete,
    employer_review_save,
    missing_ksbs,
    ratings_save,
    scan_start,
    scan_submit,
)

SCALE = [(s.value, s.label, SCORE_DESCRIPTORS[s.value]) for s in Score]
KIND_LABELS = dict(KINDS)


def _scan(user, pk):
    """The scan ``pk`` if ``user`` may see its apprenticeship; 404 otherwise."""
    return get_object_or_404(
        SkillScan.objects.visible_to(user).select_related(
            "apprenticeship__standard",
            "apprenticeship__apprentice",
            "apprenticeship__mentor",
            "apprenticeship__organisation",
            "validated_by",
        ),
        pk=pk,
    )


def _supervises(user, apprenticeship):
    return (
        apprenticeship.apprentice_id != user.pk
        and Apprenticeship.objects.supervised_by(user).filter(pk=apprenticeship.pk).exists()
    )


def _sections(standard):
    """[(slug, kind, label, count)] for the kinds the standard has, K then S then B."""
    counts = dict(
        KSB.objects.filter(standard=standard).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    return [(kind.lower(), kind, label, counts[kind]) for kind, label in KINDS if kind in counts]


@login_required
@require_POST
def scan_start_view(request, pk):
    apprenticeship = get_object_or_404(Apprenticeship.objects.visible_to(request.user), pk=pk)
    if apprenticeship.apprentice_id != request.user.pk:
        raise PermissionDenied("Only the apprentice starts their skills scan.")
    stage = request.POST.get("stage", SkillScan.Stage.INITIAL)
    if stage not in SkillScan.Stage.values:
        messages.error(request, "Choose which scan to start.")
        return redirect(apprenticeship)
    try:
        scan = scan_start(apprenticeship=apprenticeship, user=request.user, stage=stage)
    except ScanError as exc:
        messages.error(request, str(exc))
        return redirect(apprenticeship)
    messages.success(request, f"Your {scan.get_stage_display().lower()} skills scan has started.")
    return redirect("skillscan:scan-rate", pk=scan.pk, section="k")


@login_required
def scan_rate(request, pk, section):
    scan = _scan(request.user, pk)
    apprenticeship = scan.apprenticeship
    if apprenticeship.apprentice_id != request.user.pk:
        raise PermissionDenied("Only the apprentice rates their own scan.")
    if scan.is_locked:
        messages.info(request, "This scan has been submitted and can no longer be changed.")
        return redirect(scan)
    sections = _sections(apprenticeship.standard)
    slugs = [slug for slug, *_ in sections]
    if section not in slugs:
        raise Http404("No such section.")
    position = slugs.index(section)
    kind = section.upper()
    ksbs = list(
        KSB.objects.filter(standard=apprenticeship.standard, kind=kind).prefetch_related("duties")
    )
    ratings = {r.ksb_id: r for r in scan.ratings.all()}
    initial = {}
    for ksb in ksbs:
        if ksb.pk in ratings:
            initial[f"score_{ksb.pk}"] = ratings[ksb.pk].score
            initial[f"comment_{ksb.pk}"] = ratings[ksb.pk].comment
    form = RatingSectionForm(request.POST or None, ksbs=ksbs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ratings_save(scan=scan, user=request.user, ratings=form.ratings())
        except ScanError as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        action = request.POST.get("action", "save")
        if action == "next" and position + 1 < len(slugs):
            target = reverse(
                "skillscan:scan-rate", kwargs={"pk": scan.pk, "section": slugs[position + 1]}
            )
        elif action == "next":
            target = reverse("skillscan:scan-submit", kwargs={"pk": scan.pk})
        elif action == "previous" and position > 0:
            target = reverse(
                "skillscan:scan-rate", kwargs={"pk": scan.pk, "section": slugs[position - 1]}
            )
        else:
            target = request.path
        messages.success(request, f"{KIND_LABELS[kind]} saved.")
        return redirect(target)
    total = sum(count for *_, count in sections)
    rows = [
        {
            "ksb": ksb,
            "score": form[f"score_{ksb.pk}"],
            "comment": form[f"comment_{ksb.pk}"],
        }
        for ksb in ksbs
    ]
    return render(
        request,
        "skillscan/scan_rate.html",
        {
            "scan": scan,
            "apprenticeship": apprenticeship,
            "form": form,
            "rows": rows,
            "sections": sections,
            "section": section,
            "kind_label": KIND_LABELS[kind],
            "is_last": position == len(slugs) - 1,
            "is_first": position == 0,
            "rated": len(ratings),
            "total": total,
            "scale": SCALE,
        },
    )


@login_required
def scan_submit_view(request, pk):
    scan = _scan(request.user, pk)
    if scan.apprenticeship.apprentice_id != request.user.pk:
        raise PermissionDenied("Only the apprentice submits their own scan.")
    if scan.is_locked:
        messages.info(request, "This scan has already been submitted.")
        return redirect(scan)
    if request.method == "POST":
        try:
            scan_submit(scan=scan, user=request.user, build_url=request.build_absolute_uri)
        except ScanIncomplete:
            messages.error(request, "Some KSBs still need a rating: they are listed below.")
        except ScanError as exc:
            messages.error(request, str(exc))
            return redirect(scan)
        else:
            messages.success(
                request, "Your scan has been submitted. Your mentor has been asked to validate it."
            )
            return redirect(scan)
    missing = missing_ksbs(scan)
    total = KSB.objects.filter(standard_id=scan.apprenticeship.standard_id).count()
    return render(
        request,
        "skillscan/scan_submit.html",
        {"scan": scan, "missing": missing, "total": total, "rated": total - len(missing)},
    )


@login_required
def scan_results_view(request, pk):
    scan = _scan(request.user, pk)
    is_apprentice = scan.apprenticeship.apprentice_id == request.user.pk
    if scan.is_draft and is_apprentice:
        return redirect("skillscan:scan-rate", pk=scan.pk, section=resume_section(scan))
    results = scan_results(scan)
    return render(
        request,
        "skillscan/scan_results.html",
        {
            "scan": scan,
            "apprenticeship": scan.apprenticeship,
            "results": results,
            "is_apprentice": is_apprentice,
            "can_validate": scan.status == SkillScan.Status.SUBMITTED
            and _supervises(request.user, scan.apprenticeship),
            "duty_chart": duty_bar_chart(results.duties),
            "scale": SCALE,
        },
    )


@login_required
def scan_validate_view(request, pk):
    scan = _scan(request.user, pk)
    if not _supervises(request.user, scan.apprenticeship):
        raise PermissionDenied("Only the apprentice's mentor or a manager validates a scan.")
    if scan.status != SkillScan.Status.SUBMITTED:
        messages.info(
            request,
            "This scan has been validated and is locked."
            if scan.status == SkillScan.Status.VALIDATED
            else "This scan has not been submitted yet.",
        )
        return redirect(scan)
    structure = standard_structure(scan.apprenticeship.standard)
    ksb_by_pk = {ksb.pk: ksb for ksb in structure.ksbs}
    ratings = sorted(scan.ratings.all(), key=lambda r: structure.ksbs.index(ksb_by_pk[r.ksb_id]))
    for rating in ratings:
        rating.ksb = ksb_by_pk[rating.ksb_id]
    validating = request.POST.get("action") == "validate"
    form = ValidationForm(request.POST or None, ratings=ratings, validating=validating)
    if request.method == "POST" and form.is_valid():
        try:
            employer_review_save(
                scan=scan, user=request.user, reviews=form.reviews(), validate=validating
            )
        except ScanError as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        if validating:
            messages.success(request, "The scan is validated. It is now locked for everyone.")
            return redirect(scan)
        messages.success(
            request, "Your scores and comments are saved; the scan is not validated yet."
        )
        return redirect(request.path)
    rows = [
        {
            "rating": rating,
            "ksb": rating.ksb,
            "score_field": form[f"employer_score_{rating.ksb_id}"],
            "comment_field": form[f"employer_comment_{rating.ksb_id}"],
        }
        for rating in ratings
    ]
    return render(
        request,
        "skillscan/scan_validate.html",
        {
            "scan": scan,
            "apprenticeship": scan.apprenticeship,
            "form": form,
            "rows": rows,
            "disagreements": [r for r in ratings if r.is_disagreement],
            "scale": SCALE,
        },
    )


@login_required
def scan_csv(request, pk):
    scan = _scan(request.user, pk)
    results = scan_results(scan)
    apprentice = scan.apprenticeship.apprentice
    name = slugify(f"{apprentice or 'apprentice'} {scan.get_stage_display()} scan {scan.pk}")
    return csv_response(
        f"{name}.csv",
        [
            "code",
            "kind",
            "ksb",
            "duties",
            "apprentice score",
            "apprentice comment",
            "employer score",
            "employer comment",
            "agreed score",
        ],
        (
            [
                row.ksb.code,
                KIND_LABELS[row.ksb.kind],
                row.ksb.description,
                " ".join(str(duty.number) for duty in row.ksb.duty_list),
                row.rating and row.rating.score,
                row.rating and row.rating.comment,
                row.rating and row.rating.employer_score,
                row.rating and row.rating.employer_comment,
                row.agreed,
            ]
            for row in results.rows
        ),
    )


@login_required
def scan_history(request, pk):
    apprenticeship = get_object_or_404(
        Apprenticeship.objects.visible_to(request.user).select_related("standard", "apprentice"),
        pk=pk,
    )
    structure = standard_structure(apprenticeship.standard)
    scans = list(
        apprenticeship.scans.submitted().prefetch_related("ratings").order_by("submitted_at", "pk")
    )
    history = [
        (scan, dict(duty_means(structure.duties, agreed_scores(scan.ratings.all()))))
        for scan in scans
    ]
    table = duty_history_table(history, structure.duties)
    chart = duty_history_chart(history, structure.duties)
    return render(
        request,
        "skillscan/scan_history.html",
        {"apprenticeship": apprenticeship, "scans": scans, "table": table, "chart": chart},
    )


@login_required
def validation_queue(request):
    """Submitted scans waiting for the employer, oldest first."""
    scans = (
        SkillScan.objects.filter(
            status=SkillScan.Status.SUBMITTED,
            apprenticeship__in=Apprenticeship.objects.supervised_by(request.user),
        )
        .exclude(apprenticeship__apprentice=request.user)
        .select_related("apprenticeship__apprentice", "apprenticeship__standard")
        .order_by("submitted_at", "pk")
    )
    page = paginate(request, scans)
    return render(
        request, "skillscan/validation_queue.html", {"scans": page.object_list, "page_obj": page}
    )
