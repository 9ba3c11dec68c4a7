"""The pages that move apprenticeships to a newer version of their standard: one apprenticeship
from its page, or a selection of an organisation's. Each shows the dry-run report first
(progress.moves.move_report), then moves on a confirmed POST (apprenticeships_move)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import Apprenticeship
from accounts.permissions import (
    Action,
    apprenticeships_where,
    get_apprenticeship_for,
    get_organisation_for,
    roles_allowed,
)
from core.tables import paginate
from standards.models import Standard, version_key

from .forms import MoveForm, OrganisationMoveForm
from .models import StandardMove
from .moves import (
    MOVABLE,
    MoveRefused,
    apprenticeships_move,
    move_report,
    newer_approved,
    newer_approved_versions,
)


def _targets_queryset(targets):
    return Standard.objects.filter(pk__in=[s.pk for s in targets]).order_by("reference", "-pk")


def move_confirmed(request, form, apprenticeships):
    """Move on a confirmed POST (here and in the admin's action); the refusals go back to
    the form, nothing changed. Returns the moves, or None when refused."""
    target = form.cleaned_data["target"]
    try:
        moves = apprenticeships_move(
            apprenticeships=apprenticeships, target=target, by=request.user
        )
    except MoveRefused as refused:
        for blocker in refused.blockers:
            form.add_error(None, blocker)
        return None
    count = len(moves)
    noun = "apprenticeship" if count == 1 else "apprenticeships"
    messages.success(request, f"Moved {count} {noun} to {target.reference} v{target.version}.")
    return moves


@login_required
def apprenticeship_move(request, pk):
    """Move one apprenticeship: choose the version, read the report, confirm."""
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=Action.MOVE_STANDARD, queryset=Apprenticeship.objects.for_list()
    )
    targets = newer_approved_versions(apprenticeship.standard)
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET if "target" in request.GET else None)
    form = MoveForm(data, targets=_targets_queryset(targets), confirming=posted)
    report = None
    if form.is_valid():
        if posted and move_confirmed(request, form, [apprenticeship]) is not None:
            return redirect(apprenticeship)
        report = move_report(apprenticeships=[apprenticeship], target=form.cleaned_data["target"])
    return render(
        request,
        "progress/move_apprenticeship.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "targets": targets,
            "form": form,
            "report": report,
            "moves": StandardMove.objects.filter(apprenticeship=apprenticeship).select_related(
                "from_standard", "to_standard", "moved_by"
            ),
        },
    )


def _candidates(user, organisation, standards):
    """The organisation's apprenticeships ``user`` may move, on a version with a newer one
    approved for delivery."""
    outdated = [pk for pk, newer in newer_approved(standards, among=standards).items() if newer]
    return (
        Apprenticeship.objects.filter(
            apprenticeships_where(user, roles_allowed(Action.MOVE_STANDARD)),
            organisation=organisation,
            status__in=MOVABLE,
            standard_id__in=outdated,
        )
        .for_list()
        .order_by("standard__reference", "standard__version", "apprentice__full_name", "pk")
    )


@login_required
def organisation_moves(request, pk):
    """Move a selection of an organisation's apprenticeships: tick them, choose the version,
    read the report, confirm; then the moves are listed."""
    organisation, role = get_organisation_for(request.user, pk, action=Action.MOVE_STANDARD)
    standards = list(Standard.objects.all())
    candidates = _candidates(request.user, organisation, standards)
    newer = newer_approved(standards, among=standards)
    in_use = set(candidates.order_by().values_list("standard_id", flat=True))
    targets = sorted(
        {s for pk in in_use for s in newer[pk]},
        key=lambda s: (s.reference, version_key(s.version)),
    )
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET if "target" in request.GET else None)
    form = OrganisationMoveForm(
        data,
        apprenticeships=candidates,
        targets=_targets_queryset(targets),
        confirming=posted,
    )
    report = None
    if form.is_valid():
        chosen = form.cleaned_data["apprenticeships"]
        if posted and move_confirmed(request, form, chosen) is not None:
            return redirect(reverse("progress:organisation-moves", kwargs={"pk": organisation.pk}))
        report = move_report(apprenticeships=chosen, target=form.cleaned_data["target"])
    page = paginate(request, candidates)
    chosen_ids = {str(pk) for pk in (data.getlist("apprenticeships") if data else [])}
    select_all = request.GET.get("all") == "1"
    return render(
        request,
        "progress/move_organisation.html",
        {
            "organisation": organisation,
            "role": role,
            "page_obj": page,
            "chosen_ids": chosen_ids,
            "select_all": select_all,
            "targets": targets,
            "form": form,
            "report": report,
            "moves": StandardMove.objects.filter(
                apprenticeship__in=Apprenticeship.objects.filter(
                    apprenticeships_where(request.user, roles_allowed(Action.MOVE_STANDARD)),
                    organisation=organisation,
                )
            )
            .select_related(
                "apprenticeship__apprentice", "from_standard", "to_standard", "moved_by"
            )
            .order_by("-moved_at", "-pk")[:20],
        },
    )
