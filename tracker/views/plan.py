"""The training plan: the current plan with its totals, signatures and history; proposing one
from the scan; adding, changing and removing activities; signing; an activity carried into
evidence."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Apprenticeship, Party
from accounts.permissions import Action, can_on, get_apprenticeship_for, may
from standards.selectors import standard_structure

from ..plan_forms import PlanActivityForm, PlanProposeForm, PlanSignForm
from ..plan_models import PlanChange
from ..plans import (
    STATEMENTS,
    PlanState,
    activity_to_evidence,
    current_plan,
    latest_validated_scan,
    parties_of,
    plan_activity_add,
    plan_activity_change,
    plan_activity_remove,
    plan_sign,
    plan_state,
    propose_plan,
)
from ..rules import hours_summary
from ..services import TrackerError


def _apprenticeship(request, pk, action=Action.VIEW):
    return get_apprenticeship_for(
        request.user, pk, action=action, queryset=Apprenticeship.objects.for_list()
    )


def _plan_or_404(apprenticeship):
    plan = current_plan(apprenticeship)
    if plan is None:
        raise Http404("The apprenticeship has no training plan yet.")
    plan.apprenticeship = apprenticeship
    return plan


def _activity(request, pk, activity_pk, action):
    """(apprenticeship, role, plan, activity): an activity of the current plan, not removed."""
    apprenticeship, role = _apprenticeship(request, pk, action)
    plan = _plan_or_404(apprenticeship)
    activity = get_object_or_404(
        plan.activities.filter(removed_at__isnull=True).prefetch_related("ksbs"), pk=activity_pk
    )
    activity.plan = plan
    return apprenticeship, role, plan, activity


@login_required
@require_safe
def plan(request, pk):
    apprenticeship, role = _apprenticeship(request, pk)
    plan = current_plan(apprenticeship)
    scan = latest_validated_scan(apprenticeship)
    hours = hours_summary(apprenticeship)
    context = {
        "apprenticeship": apprenticeship,
        "role": role,
        "can": can_on(role, apprenticeship),
        "plan": plan,
        "scan": scan,
        "hours": hours,
        "propose_form": PlanProposeForm(),
        "today": date.today(),
    }
    if plan is not None:
        plan.apprenticeship = apprenticeship
        if scan is not None and plan.scan_id == scan.pk:
            plan.scan = scan  # read once: the page names it twice
        activities = list(
            plan.activities.select_related("evidence").prefetch_related(
                Prefetch("ksbs", to_attr="ksb_list")
            )
        )
        signatures = list(plan.signatures.select_related("by", "voided_by"))
        current = {s.party: s for s in signatures if s.voided_at is None}
        live = [a for a in activities if a.removed_at is None]
        planned = sum((a.planned_hours for a in live), Decimal(0))
        party = role.party if may(role, Action.SIGN_PLAN) else None
        parties = parties_of(apprenticeship)
        context |= {
            "activities": live,
            "removed": [a for a in activities if a.removed_at is not None],
            "planned": planned,
            "short_by": max(hours.remaining - planned, Decimal(0)),
            "state": plan_state(plan, signatures),
            "state_labels": PlanState.LABELS,
            "current": [(p, current.get(p)) for p in parties],
            "voided": [s for s in signatures if s.voided_at is not None],
            "changes": list(
                PlanChange.objects.filter(plan=plan).select_related("by").order_by("-at", "-pk")
            ),
            "party": party,
            "party_label": Party(party).label if party else "",
            "statement": STATEMENTS.get(party, ""),
            "may_sign": party in parties and party not in current and bool(live),
            "newer_scan": scan is not None and plan.scan_id != scan.pk,
        }
    return render(request, "tracker/plan.html", context)


@login_required
@require_POST
def plan_propose(request, pk):
    apprenticeship, _ = _apprenticeship(request, pk, Action.EDIT_PLAN)
    form = PlanProposeForm(request.POST)
    form.is_valid()
    try:
        made = propose_plan(
            apprenticeship, request.user, replace=form.cleaned_data.get("confirm", False)
        )
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        count = made.activities.count()
        if count:
            messages.success(
                request,
                f"Plan proposed: {count} activit{'y' if count == 1 else 'ies'}. Change them as "
                "you agree, then each party signs.",
            )
        else:
            messages.info(
                request,
                "Plan started: the scan shows no KSB rated 0 or 1 without accepted evidence, so "
                "nothing was proposed. Add the activities you agree.",
            )
    return redirect("tracker:plan", pk=pk)


def _picker_context(apprenticeship, form):
    structure = standard_structure(apprenticeship.standard)
    chosen = {str(v) for v in (form["ksbs"].value() or [])}
    return {
        "picker_groups": [
            (label, [(ksb, str(ksb.pk) in chosen) for ksb in ksbs])
            for label, ksbs in structure.groups
        ],
        "picker_duties": structure.duties,
    }


def _activity_form(request, apprenticeship, plan, activity=None):
    form = PlanActivityForm(request.POST or None, instance=activity, apprenticeship=apprenticeship)
    if request.method == "POST" and form.is_valid():
        ksbs = list(form.cleaned_data["ksbs"])
        try:
            if activity is None:
                plan_activity_add(plan=plan, by=request.user, fields=form.model_fields(), ksbs=ksbs)
            else:
                plan_activity_change(
                    activity=activity, by=request.user, fields=form.model_fields(), ksbs=ksbs
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect("tracker:plan", pk=apprenticeship.pk)
        else:
            messages.success(request, "Activity added." if activity is None else "Activity saved.")
            return redirect("tracker:plan", pk=apprenticeship.pk)
    context = {
        "apprenticeship": apprenticeship,
        "plan": plan,
        "activity": activity,
        "form": form,
        "signed": plan.signatures.filter(voided_at__isnull=True).exists(),
        **_picker_context(apprenticeship, form),
    }
    return render(request, "tracker/plan_activity_form.html", context)


@login_required
def plan_activity_add_view(request, pk):
    apprenticeship, _ = _apprenticeship(request, pk, Action.EDIT_PLAN)
    return _activity_form(request, apprenticeship, _plan_or_404(apprenticeship))


@login_required
def plan_activity_edit(request, pk, activity):
    apprenticeship, _, plan, activity = _activity(request, pk, activity, Action.EDIT_PLAN)
    return _activity_form(request, apprenticeship, plan, activity)


@login_required
def plan_activity_remove_view(request, pk, activity):
    apprenticeship, _, plan, activity = _activity(request, pk, activity, Action.EDIT_PLAN)
    if request.method == "POST":
        try:
            plan_activity_remove(activity=activity, by=request.user)
        except TrackerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"“{activity.title}” is off the plan; the history keeps it.")
        return redirect("tracker:plan", pk=pk)
    context = {
        "apprenticeship": apprenticeship,
        "activity": activity,
        "signed": plan.signatures.filter(voided_at__isnull=True).exists(),
    }
    return render(request, "tracker/plan_activity_remove.html", context)


@login_required
@require_POST
def plan_sign_view(request, pk):
    apprenticeship, role = _apprenticeship(request, pk, Action.SIGN_PLAN)
    plan = _plan_or_404(apprenticeship)
    form = PlanSignForm(request.POST, statement=STATEMENTS.get(role.party, ""))
    if not form.is_valid():
        messages.error(request, "Tick the statement to sign the plan.")
        return redirect("tracker:plan", pk=pk)
    try:
        plan_sign(plan=plan, by=request.user)
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        if plan_state(plan) == PlanState.AGREED:
            messages.success(request, "You have signed: every party has, and the plan is agreed.")
        else:
            messages.success(request, "You have signed the plan.")
    return redirect("tracker:plan", pk=pk)


@login_required
@require_POST
def plan_activity_evidence(request, pk, activity):
    _, _, _, activity = _activity(request, pk, activity, Action.LOG_EVIDENCE)
    had = activity.evidence_id
    try:
        evidence = activity_to_evidence(activity, request.user)
    except (TrackerError, ValidationError) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"The evidence could not be started: {text}")
        return redirect("tracker:plan", pk=pk)
    if had:
        messages.info(request, "This activity has its evidence already; here it is.")
    else:
        messages.success(
            request,
            "A draft of evidence is ready with the activity's title, KSBs and hours: add what "
            "you did, then submit it.",
        )
    target = "tracker:evidence-update" if evidence.is_editable else "tracker:evidence-detail"
    return redirect(target, pk=evidence.pk)
