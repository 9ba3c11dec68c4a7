"""Skills scans: the apprentice takes one section by section and submits it; everyone with a
role sees its results and the history across scans. The employer validates it on a page of
progress (progress/scan_validation.py), which shows the evidence beside each KSB."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, prefetch_related_objects
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship
from accounts.outbox import not_sent_warning
from accounts.permissions import Action, can_on, get_apprenticeship_for, get_record_for
from core.csv import csv_response
from core.tables import paginate
from standards.models import KSB
from standards.selectors import standard_structure
from standards.wording import wording_book

from .checking import employer_differences, scan_check
from .forms import RatingSectionForm
from .models import SkillScan
from .selectors import (
    KINDS,
    SCALE,
    SCAN_CSV_HEADER,
    SCANS,
    KSBRow,
    duty_bar_chart,
    duty_history,
    duty_history_chart,
    duty_history_table,
    resume_section,
    scan_csv_rows,
    scan_results,
)
from .services import (
    ScanError,
    ScanIncomplete,
    ratings_save,
    scan_start,
    scan_submit,
)

KIND_LABELS = dict(KINDS)
LOCKED = "This scan has been submitted and can no longer be changed."


def _scan(request, pk, action=Action.VIEW):
    """(the scan ``pk``, the user's role on its apprenticeship): 404 without a role, 403
    without the right to ``action``."""
    return get_record_for(request.user, SCANS, pk=pk, action=action)


def _sections(standard):
    """[(slug, kind, label, count)] for the kinds the standard has, K then S then B."""
    counts = dict(
        KSB.objects.filter(standard=standard).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    return [(kind.lower(), kind, label, counts[kind]) for kind, label in KINDS if kind in counts]


@login_required
@require_POST
def scan_start_view(request, pk):
    apprenticeship, _ = get_apprenticeship_for(request.user, pk, action=Action.RATE)
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


def _wants_json(request):
    """A save made by static/js/scan.js as a rating is chosen, answered with JSON."""
    return "application/json" in request.headers.get("Accept", "")


def _destination(request, slugs, position):
    """Where the buttons of a section lead once it is saved: a section's tab or "Check and
    submit" (``goto``), the next or previous section, "submit" after the last; None to stay."""
    goto = request.POST.get("goto")
    if goto is not None:
        return goto if goto in slugs or goto == "submit" else None
    action = request.POST.get("action", "save")
    if action == "next":
        return slugs[position + 1] if position + 1 < len(slugs) else "submit"
    if action == "previous" and position > 0:
        return slugs[position - 1]
    return None


def _after_saving(request, scan, slugs, position, anchor):
    """The URL to go to once a section is saved; staying means coming back to ``anchor`` (the
    first KSB still to rate, or the buttons), not to the top of a long page."""
    destination = _destination(request, slugs, position)
    if destination is None:
        return f"{request.path}#{anchor}"
    if destination == "submit":
        return reverse("skillscan:scan-submit", kwargs={"pk": scan.pk})
    return reverse("skillscan:scan-rate", kwargs={"pk": scan.pk, "section": destination})


def _save_section(request, scan, form, slugs, section, rated_before):
    saved = form.ratings()
    try:
        ratings_save(scan=scan, user=request.user, ratings=saved)
    except ScanError as exc:
        messages.error(request, str(exc))
        return redirect(request.path)
    messages.success(request, f"{KIND_LABELS[section.upper()]} saved.")
    unrated = (k.code for k in form.ksbs if k.pk not in saved and k.pk not in rated_before)
    anchor = next(unrated, "scan-actions")
    return redirect(_after_saving(request, scan, slugs, slugs.index(section), anchor))


def _save_json(request, scan, form, total):
    """The JSON answer to a save of some KSBs' fields: the progress, or the errors (400)."""
    if not form.is_valid():
        errors = {name: list(found) for name, found in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    saved = form.ratings()
    try:
        ratings_save(scan=scan, user=request.user, ratings=saved)
    except ScanError as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    codes = [ksb.code for ksb in form.ksbs if ksb.pk in saved]
    return JsonResponse({"rated": scan.ratings.count(), "total": total, "saved": codes})


@login_required
def scan_rate(request, pk, section):
    scan, role = _scan(request, pk, Action.RATE)
    if scan.is_locked:
        if _wants_json(request) and request.method == "POST":
            return JsonResponse({"error": LOCKED}, status=409)
        messages.info(request, LOCKED)
        return redirect(scan)
    sections = _sections(scan.apprenticeship.standard)
    slugs = [slug for slug, *_ in sections]
    if section not in slugs:
        raise Http404("No such section.")
    total = sum(count for *_, count in sections)
    ksbs = KSB.objects.filter(standard_id=scan.apprenticeship.standard_id, kind=section.upper())
    ratings = {r.ksb_id: r for r in scan.ratings.all()}
    form = RatingSectionForm(
        request.POST or None, ksbs=ksbs.prefetch_related("duties"), ratings=ratings
    )
    if request.method == "POST" and _wants_json(request):
        return _save_json(request, scan, form, total)
    if request.method == "POST" and form.is_valid():
        return _save_section(request, scan, form, slugs, section, ratings)
    context = {"scan": scan, "apprenticeship": scan.apprenticeship, "role": role, "form": form}
    return render(
        request,
        "skillscan/scan_rate.html",
        {
            **context,
            "rows": form.rows(),
            "sections": sections,
            "section": section,
            "kind_label": KIND_LABELS[section.upper()],
            "is_last": section == slugs[-1],
            "is_first": section == slugs[0],
            "rated": len(ratings),
            "total": total,
            "scale": SCALE,
        },
    )


@login_required
def scan_submit_view(request, pk):
    scan, role = _scan(request, pk, Action.SUBMIT_SCAN)
    if scan.is_locked:
        messages.info(request, "This scan has already been submitted.")
        return redirect(scan)
    if request.method == "POST":
        try:
            scan_submit(scan=scan, user=request.user)
        except ScanIncomplete:
            messages.error(request, "Some KSBs still need a rating: they are listed below.")
        except ScanError as exc:
            messages.error(request, str(exc))
            return redirect(scan)
        else:
            messages.success(
                request, "Your scan has been submitted. Your mentor has been asked to validate it."
            )
            if warning := not_sent_warning(scan, "your mentor"):
                messages.warning(request, warning)
            return redirect(scan)
    check = scan_check(scan)
    missing, total = check.missing, len(check.rows)
    context = {"scan": scan, "role": role, "check": check, "missing": missing, "total": total}
    return render(request, "skillscan/scan_submit.html", {**context, "rated": total - len(missing)})


def older_version_rows(scan, results):
    """Rows for the scan's ratings of KSBs its apprenticeship's current version no longer has
    (a scan kept from before a move to a newer version): one query, none without any."""
    shown = {row.ksb.pk for row in results.rows}
    ratings = [r for r in scan.ratings.all() if r.ksb_id not in shown]
    if not ratings:
        return []
    ksbs = KSB.objects.filter(pk__in=[r.ksb_id for r in ratings]).select_related("standard")
    ksb_of = {ksb.pk: ksb for ksb in ksbs}
    rows = []
    for rating in ratings:
        rating.ksb = ksb_of[rating.ksb_id]
        rows.append(KSBRow(rating.ksb, rating))
    return rows


def with_wordings(scan, rows):
    """Each row given ``wording``, its KSB's words as at the scan's submission (the current
    ones for a draft), from one query. Rows are this request's own, the KSBs shared: the
    wording goes on the row."""
    book = wording_book([row.ksb for row in rows], standard=scan.apprenticeship.standard)
    for row in rows:
        row.wording = book.at(row.ksb.pk, scan.submitted_at)
    return rows


@login_required
def scan_results_view(request, pk):
    scan, role = _scan(request, pk)
    if scan.is_draft and role.can["rate"]:
        return redirect("skillscan:scan-rate", pk=scan.pk, section=resume_section(scan))
    prefetch_related_objects([scan], "ratings")  # read by the results and by the older rows
    results = scan_results(scan)
    older = older_version_rows(scan, results)
    rows = with_wordings(scan, [*results.rows, *older])
    context = {
        "scan": scan,
        "apprenticeship": scan.apprenticeship,
        "role": role,
        "can": can_on(role, scan.apprenticeship),
    }
    return render(
        request,
        "skillscan/scan_results.html",
        {
            **context,
            "results": results,
            "differences": employer_differences(results),
            "older_rows": older,
            "wording_of": {row.ksb.pk: row.wording for row in rows},
            "duty_chart": duty_bar_chart(results.duties),
            "scale": SCALE,
        },
    )


@login_required
def scan_csv(request, pk):
    scan, _ = _scan(request, pk, Action.EXPORT)
    apprentice = scan.apprenticeship.apprentice
    name = slugify(f"{apprentice or 'apprentice'} {scan.get_stage_display()} scan {scan.pk}")
    return csv_response(f"{name}.csv", SCAN_CSV_HEADER, scan_csv_rows(scan_results(scan)))


@login_required
def scan_history(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, queryset=Apprenticeship.objects.for_list()
    )
    structure = standard_structure(apprenticeship.standard)
    history = duty_history(apprenticeship, structure.duties)
    context = {"apprenticeship": apprenticeship, "role": role}
    return render(
        request,
        "skillscan/scan_history.html",
        {
            **context,
            "scans": [scan for scan, _ in history],
            "table": duty_history_table(history, structure.duties),
            "chart": duty_history_chart(history, structure.duties),
        },
    )


@login_required
def validation_queue(request):
    """Submitted scans waiting for the employer, oldest first."""
    scans = (
        SkillScan.objects.filter(
            status=SkillScan.Status.SUBMITTED,
            apprenticeship__in=Apprenticeship.objects.decided_by(
                request.user, Action.VALIDATE_SCAN
            ),
        )
        .select_related("apprenticeship__apprentice", "apprenticeship__standard")
        .order_by("submitted_at", "pk")
    )
    page = paginate(request, scans)
    return render(
        request, "skillscan/validation_queue.html", {"scans": page.object_list, "page_obj": page}
    )
