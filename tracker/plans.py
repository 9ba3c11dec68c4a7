"""The training plan: proposed from the latest validated skills scan, changed by the tutor or
the mentor (EDIT_PLAN), signed by each party (SIGN_PLAN), and carried activity by activity into
evidence by the apprentice (LOG_EVIDENCE).

A proposal targets the KSBs agreed at 0 or 1 (skillscan.selectors.GAP_MAX) and those with no
accepted evidence, the lowest scores first: grouped by kind (knowledge: a course; skills:
project work; behaviours: mentoring, then shadowing) and by the first duty that draws on them,
dated one after another from today to the planned end, and given the off-the-job hours still
to do, so that the plan covers the target. Every change is a PlanChange in words; a change
after a signature voids the current signatures (kept, with who voided them)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.models import Apprenticeship, Party
from accounts.permissions import Action, check
from accounts.rules import long_date
from core.events import emit
from skillscan.models import SkillScan
from skillscan.selectors import agreed_scores_of
from standards.selectors import standard_structure

from .models import Evidence
from .plan_models import PlanActivity, PlanChange, PlanSignature, TrainingPlan
from .plan_proposal import plan_proposal
from .review_people import everyone
from .rules import evidenced_ksb_ids, hours_summary
from .services.errors import TrackerError
from .services.evidence import evidence_save

Kind = PlanActivity.Kind
STATEMENTS = {
    Party.APPRENTICE: "I agree to this training plan and will take part in its activities.",
    Party.EMPLOYER: "I agree to this training plan and will give the time and support it needs.",
    Party.PROVIDER: "I agree to this training plan and will deliver the training it sets out.",
}
# An activity's kind as the evidence it becomes names it.
EVIDENCE_TYPE = {
    Kind.COURSE: Evidence.ActivityType.TRAINING_COURSE,
    Kind.PROJECT: Evidence.ActivityType.PROJECT_WORK,
    Kind.SHADOWING: Evidence.ActivityType.SHADOWING,
    Kind.MENTORING: Evidence.ActivityType.MENTORING,
    Kind.SELF_STUDY: Evidence.ActivityType.SELF_STUDY,
}


class PlanState:
    DRAFT = "draft"
    SIGNING = "signing"
    AGREED = "agreed"
    LABELS = {DRAFT: "Draft", SIGNING: "Being signed", AGREED: "Agreed by all"}


# --- reads ------------------------------------------------------------------------------------


def latest_validated_scan(apprenticeship):
    return (
        SkillScan.objects.filter(apprenticeship=apprenticeship, status=SkillScan.Status.VALIDATED)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def current_plan(apprenticeship):
    """The apprenticeship's current plan (its latest), or None."""
    return (
        apprenticeship.training_plans.select_related("created_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def parties_of(apprenticeship):
    """The parties who sign: the provider only where one delivers the apprenticeship."""
    parties = [Party.APPRENTICE, Party.EMPLOYER]
    return [*parties, Party.PROVIDER] if apprenticeship.provider_id else parties


def plan_state(plan, signatures=None):
    """ "draft" (no current signature), "signing" (some parties) or "agreed" (every party).
    ``signatures``: the plan's, when the caller has them (else one query)."""
    if signatures is None:
        signatures = plan.signatures.filter(voided_at__isnull=True)
    signed = {s.party for s in signatures if s.voided_at is None}
    if not signed:
        return PlanState.DRAFT
    parties = parties_of(plan.apprenticeship)
    return PlanState.AGREED if set(parties) <= signed else PlanState.SIGNING


# --- writes -----------------------------------------------------------------------------------


def _locked_plan(plan_pk):
    return (
        TrainingPlan.objects.select_for_update(of=("self",))
        .select_related("apprenticeship")
        .get(pk=plan_pk)
    )


def _dates_check(apprenticeship, starts_on, ends_on):
    errors = {}
    start, end = apprenticeship.start_date, apprenticeship.planned_end_date
    if starts_on < start or starts_on > end:
        errors["starts_on"] = (
            f"Plan it within the programme: {long_date(start)} to {long_date(end)}."
        )
    if ends_on < starts_on:
        errors["ends_on"] = "The activity ends on or after the day it starts."
    elif ends_on > end:
        errors["ends_on"] = f"Plan it to end by the programme's planned end, {long_date(end)}."
    if errors:
        raise ValidationError(errors, code="outside_programme")


def _ksbs_check(apprenticeship, ksbs):
    if any(ksb.standard_id != apprenticeship.standard_id for ksb in ksbs):
        raise ValidationError(
            {"ksbs": "Choose KSBs of the apprenticeship's standard only."},
            code="ksb_other_standard",
        )


def _void_signatures(plan, by, now):
    """Void the plan's current signatures; the parties voided, for the change's words."""
    current = list(plan.signatures.filter(voided_at__isnull=True))
    PlanSignature.objects.filter(pk__in=[s.pk for s in current]).update(voided_at=now, voided_by=by)
    return [Party(s.party).label for s in current]


def _tell(plan, by, kind, parties, **details):
    """Tell the people who act for ``parties`` (as for a review's signatures) about the plan."""
    apprenticeship = plan.apprenticeship
    people = everyone(apprenticeship, parties)
    emit(kind, apprenticeship=apprenticeship, about=plan, actor=by, recipients=people, **details)


def _record(plan, by, role, what, activity=None, *, voids=True):
    now = timezone.now()
    if voids:
        voided = _void_signatures(plan, by, now)
        if voided:
            what += f" This voided the signatures of the {' and the '.join(voided)}."
            _tell(plan, by, "plan_to_sign", parties_of(plan.apprenticeship), why="changed")
    return PlanChange.objects.create(
        plan=plan, activity=activity, by=by, party=role.party, at=now, what=what
    )


def _shown(activity, ksbs):
    """{label: the value as the history words it} of an activity's planned content."""
    return {
        "title": f"“{activity.title}”",
        "kind": activity.get_kind_display().lower(),
        "start": _short(activity.starts_on),
        "end": _short(activity.ends_on),
        "hours": f"{Decimal(activity.planned_hours).normalize():f}",
        "KSBs": ", ".join(k.code for k in ksbs) or "none",
    }


def _short(day):
    return format_date(day, "j M Y")


def _describe(activity, ksbs):
    codes = ", ".join(k.code for k in ksbs) or "no KSBs"
    return (
        f"{activity.get_kind_display().lower()}, {_short(activity.starts_on)} to "
        f"{_short(activity.ends_on)}, {activity.planned_hours.normalize():f} h, {codes}"
    )


def propose_plan(apprenticeship, by, today=None, *, replace=False):
    """A new plan proposed from the latest validated scan: TrackerError when there is none, or
    when the apprenticeship has a plan and ``replace`` is not given (the new one is then the
    current plan; the earlier one is kept as it was)."""
    today = today or date.today()
    with transaction.atomic():
        # One proposal at a time per apprenticeship: two clicks make one plan.
        Apprenticeship.objects.select_for_update().values("pk").get(pk=apprenticeship.pk)
        role = check(by, apprenticeship, Action.EDIT_PLAN)
        if not replace and apprenticeship.training_plans.exists():
            raise TrackerError(
                "The apprenticeship has a plan: confirm to replace it with a new proposal."
            )
        scan = latest_validated_scan(apprenticeship)
        if scan is None:
            raise TrackerError(
                "A plan is proposed from a validated skills scan: the apprentice submits a "
                "scan and the employer or the provider validates it first."
            )
        structure = standard_structure(apprenticeship.standard)
        scores = agreed_scores_of(scan.ratings.all())
        accepted, _ = evidenced_ksb_ids(apprenticeship)
        remaining = hours_summary(apprenticeship, today).remaining
        proposed = plan_proposal(
            structure.ksbs,
            scores,
            accepted,
            start=max(today, apprenticeship.start_date),
            end=apprenticeship.planned_end_date,
            hours=remaining,
        )
        plan = TrainingPlan.objects.create(apprenticeship=apprenticeship, scan=scan, created_by=by)
        for position, item in enumerate(proposed):
            activity = PlanActivity(
                plan=plan,
                title=item.title,
                kind=item.kind,
                starts_on=item.starts_on,
                ends_on=item.ends_on,
                planned_hours=item.planned_hours,
                position=position,
            )
            activity.full_clean()
            activity.save()
            activity.ksbs.set(item.ksbs)
        total = sum((item.planned_hours for item in proposed), Decimal(0))
        gaps = sum(len(item.ksbs) for item in proposed)
        _record(
            plan,
            by,
            role,
            f"Proposed from the {scan.get_stage_display().lower()} skills scan validated on "
            f"{long_date(timezone.localdate(scan.validated_at or scan.submitted_at))}: "
            f"{len(proposed)} activit{'y' if len(proposed) == 1 else 'ies'} for "
            f"{gaps} KSBs rated 0 or 1 or without accepted evidence, {total.normalize():f} h.",
            voids=False,
        )
        _tell(plan, by, "plan_to_sign", parties_of(apprenticeship), why="proposed")
    return plan


def plan_activity_add(*, plan, by, fields, ksbs):
    """Add an activity (EDIT_PLAN): ``fields`` title, kind, starts_on, ends_on, planned_hours."""
    with transaction.atomic():
        plan = _locked_plan(plan.pk)
        role = check(by, plan.apprenticeship, Action.EDIT_PLAN)
        _dates_check(plan.apprenticeship, fields["starts_on"], fields["ends_on"])
        _ksbs_check(plan.apprenticeship, ksbs)
        last = plan.activities.aggregate(last=Max("position"))["last"]
        activity = PlanActivity(plan=plan, position=(last or 0) + 1, **fields)
        activity.full_clean()
        activity.save()
        activity.ksbs.set(ksbs)
        what = f"Added “{activity.title}” ({_describe(activity, ksbs)})."
        _record(plan, by, role, what, activity)
    return activity


def _live(activity):
    """The activity, locked with its plan, while it is on the current plan."""
    plan = _locked_plan(activity.plan_id)
    activity = PlanActivity.objects.select_for_update().get(pk=activity.pk)
    if activity.removed_at is not None:
        raise TrackerError("This activity has been removed from the plan.")
    if current_plan(plan.apprenticeship).pk != plan.pk:
        raise TrackerError("A newer plan has replaced this one: change that one instead.")
    return plan, activity


def plan_activity_change(*, activity, by, fields, ksbs):
    """Change an activity (EDIT_PLAN), recorded in words: each part that changed, from what to
    what. Nothing changed, nothing recorded."""
    with transaction.atomic():
        plan, activity = _live(activity)
        role = check(by, plan.apprenticeship, Action.EDIT_PLAN)
        _dates_check(plan.apprenticeship, fields["starts_on"], fields["ends_on"])
        _ksbs_check(plan.apprenticeship, ksbs)
        before = _shown(activity, activity.ksbs.all())
        for name, value in fields.items():
            setattr(activity, name, value)
        activity.full_clean()
        after = _shown(activity, ksbs)
        differences = [
            f"{label} {before[label]} → {after[label]}"
            for label in after
            if before[label] != after[label]
        ]
        if not differences:
            return activity
        activity.save()
        activity.ksbs.set(ksbs)
        what = f"Changed {before['title']}: {'; '.join(differences)}."
        _record(plan, by, role, what, activity)
    return activity


def plan_activity_remove(*, activity, by):
    """Take an activity off the plan (EDIT_PLAN): marked removed, never deleted."""
    with transaction.atomic():
        plan, activity = _live(activity)
        role = check(by, plan.apprenticeship, Action.EDIT_PLAN)
        activity.removed_at = timezone.now()
        activity.save(update_fields=["removed_at"])
        _record(plan, by, role, f"Removed “{activity.title}”.", activity)
    return activity


def plan_sign(*, plan, by):
    """Sign the plan as it stands for the signer's party (SIGN_PLAN), with the party's
    statement."""
    with transaction.atomic():
        plan = _locked_plan(plan.pk)
        role = check(by, plan.apprenticeship, Action.SIGN_PLAN)
        party = role.party
        if current_plan(plan.apprenticeship).pk != plan.pk:
            raise TrackerError("A newer plan has replaced this one: sign that one instead.")
        if party not in parties_of(plan.apprenticeship):
            raise TrackerError("No training provider delivers this apprenticeship.")
        if plan.signatures.filter(party=party, voided_at__isnull=True).exists():
            raise TrackerError("Your party has already signed the plan as it stands.")
        if not plan.activities.filter(removed_at__isnull=True).exists():
            raise TrackerError("The plan has no activities yet: add some before signing it.")
        signature = PlanSignature.objects.create(
            plan=plan, by=by, party=party, statement=STATEMENTS[party]
        )
        signed = set(plan.signatures.filter(voided_at__isnull=True).values_list("party", flat=True))
        _tell(plan, by, *told_of_signatures(plan.apprenticeship, signed), why="signed")
    return signature


def told_of_signatures(apprenticeship, signed):
    """(notification kind, parties told) once the parties ``signed`` have signed a plan: those
    yet to sign, or every party when none is left (the plan is agreed)."""
    parties = parties_of(apprenticeship)
    waiting = [party for party in parties if party not in signed]
    return ("plan_to_sign", waiting) if waiting else ("plan_agreed", parties)


def activity_to_evidence(activity, by):
    """The apprentice's "done": a draft of evidence (LOG_EVIDENCE) with the activity's title,
    kind, KSBs and planned hours, dated the activity's last day (today if that is still to
    come), linked from the activity. A piece of evidence holds one day's hours, at most 24: the
    draft carries that much and says so. Clicked again, the same draft."""
    with transaction.atomic():
        plan, activity = _live(activity)
        apprenticeship = plan.apprenticeship
        role = check(by, apprenticeship, Action.LOG_EVIDENCE)
        if activity.evidence_id is not None:
            return activity.evidence
        if not activity.started:
            raise TrackerError(
                f"“{activity.title}” starts on {long_date(activity.starts_on)}: "
                "it becomes evidence once it has started."
            )
        today = date.today()
        hours = min(activity.planned_hours, Decimal(24))
        description = (
            f"From the training plan: {activity.get_kind_display().lower()}, planned "
            f"{long_date(activity.starts_on)} to {long_date(activity.ends_on)}, "
            f"{activity.planned_hours.normalize():f} off-the-job hours."
        )
        if hours < activity.planned_hours:
            description += " One entry holds at most 24 hours: log the rest as more evidence."
        evidence = evidence_save(
            user=by,
            apprenticeship=apprenticeship,
            fields={
                "title": activity.title,
                "description": description,
                "occurred_on": max(min(activity.ends_on, today), apprenticeship.start_date),
                "activity_type": EVIDENCE_TYPE[activity.kind],
                "off_the_job_hours": hours,
                "url": "",
            },
            ksbs=[k for k in activity.ksbs.all() if k.standard_id == apprenticeship.standard_id],
        )
        activity.evidence = evidence
        activity.save(update_fields=["evidence"])
        _record(
            plan,
            by,
            role,
            f"“{activity.title}” done: carried into a draft of evidence.",
            activity,
            voids=False,
        )
    return evidence
