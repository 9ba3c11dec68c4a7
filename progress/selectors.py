"""What the pages that draw on every app show: the apprenticeship's home and its next steps,
the KSB heatmap, the gateway checklist and the portfolio. Every figure's meaning is in a rule
book (tracker/rules.py, skillscan/rules.py, progress/rules.py); these gather it in a constant
number of queries."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, Subquery
from django.urls import reverse

from accounts.models import Apprenticeship
from accounts.permissions import Action, allowed, can_on, may
from core.tables import url_for_each
from skillscan.models import SkillScan
from skillscan.selectors import duty_history_chart, one_decimal, scan_overview
from standards.selectors import standard_structure
from tracker.models import Evidence, ProgressReview
from tracker.rules import (
    evidenced_ksb_ids,
    hours_of,
    hours_summary,
    next_review,
)
from tracker.selectors import duty_rows, sign_off_events, week_start

from .models import Tally
from .moves import MOVABLE, newer_approved_versions
from .portfolio import portfolio as portfolio  # its home before the portfolio had a module
from .rules import gateway_checklist, scan_words


@dataclass
class HeatCell:
    ksb: object
    state: str  # "accepted", "submitted" or "none"
    score: int | None

    @property
    def label(self):
        words = {
            "accepted": "evidence accepted",
            "submitted": "evidence submitted",
            "none": "no evidence",
        }[self.state]
        score = "no scan score" if self.score is None else f"agreed score {self.score}"
        return f"{self.ksb.code}: {words}, {score}"


def heatmap(structure, accepted, active, scores):
    """Every KSB with the state of its evidence and its latest agreed score, grouped by kind."""

    def state(ksb):
        if ksb.pk in accepted:
            return "accepted"
        return "submitted" if ksb.pk in active else "none"

    return [
        (label, [HeatCell(ksb, state(ksb), scores.get(ksb.pk)) for ksb in ksbs])
        for label, ksbs in structure.groups
    ]


def _recent_evidence(apprenticeship, changes_requested):
    """(the five latest pieces of evidence, every one with changes requested) in one query: the
    five alone when the tally says none has changes requested (``changes_requested``, the
    usual case), else the five and those, each found by its index."""
    latest = ("-occurred_on", "-pk")
    # From the model's manager, not the apprenticeship's related one: a third cheaper to build.
    own = Evidence.objects.filter(apprenticeship_id=apprenticeship.pk)
    if not changes_requested:
        return list(own.order_by(*latest)[:5]), []
    recent_ids = own.order_by(*latest).values("pk")[:5]
    items = list(
        own.filter(
            Q(pk__in=Subquery(recent_ids)) | Q(status=Evidence.Status.CHANGES_REQUESTED)
        ).order_by(*latest)
    )
    changes = [item for item in items if item.status == Evidence.Status.CHANGES_REQUESTED]
    return items[:5], changes


def _tally(apprenticeship):
    """The apprenticeship's stored figures, loaded with it by the view; a tally not written yet
    (a bulk import before ``tally --refresh``) counts as nothing to go on."""
    try:
        return apprenticeship.tally
    except Tally.DoesNotExist:
        return None


def _invitation(apprenticeship):
    if apprenticeship.status in (Apprenticeship.Status.PENDING, Apprenticeship.Status.WITHDRAWN):
        return apprenticeship.invitations.order_by("-sent_at").first()
    return None


def home_page(apprenticeship, role):
    """Everything the apprenticeship's home page shows to someone with ``role`` on it: the
    programme and people, scans, and (once it has started) next steps, hours, progress per duty,
    the gateway checklist, the KSB heatmap, evidence and the next review."""
    structure = standard_structure(apprenticeship.standard)
    kinds = Counter(ksb.kind for ksb in structure.ksbs)
    invitation = _invitation(apprenticeship)
    scans = scan_overview(apprenticeship, structure, is_apprentice=role.is_apprentice)
    context = {
        "apprenticeship": apprenticeship,
        "role": role,
        "can": can_on(role, apprenticeship),
        "apprentice_name": str(apprenticeship.apprentice or "")
        or (invitation.full_name if invitation else "Invited apprentice"),
        "invitation": invitation,
        "ksb_counts": {kind: kinds.get(kind, 0) for kind in "KSB"},
        "ksb_total": len(structure.ksbs),
        "duty_count": len(structure.duties),
        "month": apprenticeship.month_of_programme(),
        **scans.panel,
    }
    # The way to a newer version, for those who may move it (one query, only for them).
    context["newer_versions"] = (
        newer_approved_versions(apprenticeship.standard)
        if role.can["move_standard"] and apprenticeship.status in MOVABLE
        else []
    )
    context["startable_words"] = [
        (stage, scan_words(stage, context["month"])) for stage in context["startable"]
    ]
    draft = context["draft"]
    context["draft_words"] = scan_words(draft.stage, context["month"]) if draft else ""
    if apprenticeship.status == Apprenticeship.Status.PENDING:
        return context
    accepted, active = evidenced_ksb_ids(apprenticeship)
    latest_means = (
        {duty.pk: one_decimal(mean) for duty, mean in scans.history[-1][1].items()}
        if scans.history
        else {}
    )
    rows = duty_rows(
        structure,
        accepted=accepted,
        active=active,
        events=sign_off_events(apprenticeship),
        means=latest_means,
    )
    tally = _tally(apprenticeship)
    if tally is None:
        hours, waiting_changes = hours_summary(apprenticeship), True
    else:
        hours = hours_of(apprenticeship, tally.accepted_hundredths, tally.pending_hundredths)
        waiting_changes = tally.changes_requested
    recent, changes_requested = _recent_evidence(apprenticeship, waiting_changes)
    # How many wait for the employer: all of them (the tally's count), not those of the recent.
    evidence_waiting = (
        tally.evidence_waiting
        if tally is not None
        else sum(1 for e in recent if e.status == Evidence.Status.SUBMITTED)
    )
    latest_review = ProgressReview.objects.filter(apprenticeship_id=apprenticeship.pk).first()
    review = next_review(apprenticeship, latest_review)
    gateway = gateway_checklist(
        apprenticeship,
        ksbs=structure.ksbs,
        accepted=accepted,
        duty_rows=rows,
        hours=hours,
        scans=scans.panel["scans"],
        review=(latest_review, review),
    )
    context.update(
        duties=rows,
        duty_url=url_for_each("tracker:duty-detail", kwarg="number", pk=apprenticeship.pk),
        evidence_url=url_for_each("tracker:evidence-detail"),
        hours=hours,
        recent_evidence=recent,
        evidence_waiting=evidence_waiting,
        changes_requested=changes_requested,
        latest_review=latest_review,
        next_review=review,
        gateway=gateway,
        heatmap=heatmap(structure, accepted, active, scans.latest_scores),
        latest_scan=scans.latest,
        history_chart=duty_history_chart(scans.history, structure.duties)
        if len(scans.history) > 1
        else None,
    )
    context["next_actions"] = next_actions(context)
    return context


def _apprentice_actions(context):
    apprenticeship, role = context["apprenticeship"], context["role"]
    draft = context["draft"]
    actions = []
    if may(role, Action.RATE) and draft:
        actions.append(
            (
                f"Finish your {scan_words(draft.stage, context['month'])} skills scan "
                f"({draft.rated} of {context['ksb_total']} rated)",
                reverse(
                    "skillscan:scan-rate", kwargs={"pk": draft.pk, "section": context["resume"]}
                ),
            )
        )
    elif may(role, Action.RATE) and "initial" in context["startable"]:
        words = scan_words(SkillScan.Stage.INITIAL, context["month"])
        actions.append((f"Take your {words} skills scan", "#scan-start"))
    if may(role, Action.LOG_EVIDENCE):
        for evidence in context["changes_requested"][:2]:
            actions.append(
                (
                    f"Answer the changes requested on “{evidence.title}”",
                    reverse("tracker:evidence-update", kwargs={"pk": evidence.pk}),
                )
            )
    review = context["latest_review"]
    if (
        may(role, Action.COUNTERSIGN_REVIEW)
        and review
        and review.employer_signed_at
        and not review.apprentice_signed_at
    ):
        actions.append(
            (
                f"Add your comments to the progress review of {review.held_on:%-d %B} and sign it",
                review.get_absolute_url(),
            )
        )
    this_week = week_start(date.today())
    if may(role, Action.LOG_EVIDENCE) and not any(
        e.occurred_on >= this_week for e in context["recent_evidence"]
    ):
        actions.append(
            (
                "Log this week's off-the-job hours",
                reverse("tracker:evidence-create", kwargs={"pk": apprenticeship.pk}),
            )
        )
    return actions


def _employer_actions(context):
    apprenticeship, role = context["apprenticeship"], context["role"]
    pk = apprenticeship.pk
    actions = []
    if allowed(role, Action.VALIDATE_SCAN, apprenticeship):
        for scan in context["awaiting"][:1]:
            actions.append(
                (
                    f"Validate the {scan.get_stage_display().lower()} skills scan",
                    reverse("progress:scan-validate", kwargs={"pk": scan.pk}),
                )
            )
    waiting = context["evidence_waiting"]
    if allowed(role, Action.DECIDE_EVIDENCE, apprenticeship) and waiting:
        pieces = "piece" if waiting == 1 else "pieces"
        actions.append(
            (
                f"Review the {waiting} {pieces} of evidence waiting for you",
                reverse("tracker:evidence-list", kwargs={"pk": pk}) + "?status=submitted",
            )
        )
    review, upcoming = context["latest_review"], context["next_review"]
    if may(role, Action.RECORD_REVIEW):
        if review and not review.employer_signed_at:
            actions.append(("Sign the progress review", review.get_absolute_url()))
        elif upcoming.overdue or upcoming.days <= 14:
            actions.append(
                (
                    f"Record the progress review ({upcoming.label})",
                    reverse("tracker:progress-review-create", kwargs={"pk": pk}),
                )
            )
    if (
        may(role, Action.MARK_GATEWAY)
        and context["gateway"].ready
        and apprenticeship.status == Apprenticeship.Status.ACTIVE
    ):
        actions.append(
            ("Sign the gateway declaration", reverse("progress:gateway", kwargs={"pk": pk}))
        )
    return actions


def next_actions(context):
    """At most three things to do next, most pressing first, each (text, url): what the role
    may do and the data asks for."""
    if context["role"].is_apprentice:
        return _apprentice_actions(context)[:3]
    return _employer_actions(context)[:3]


def gateway_for(apprenticeship, today=None):
    """The gateway checklist of one apprenticeship, loading what it needs."""
    structure = standard_structure(apprenticeship.standard)
    accepted, active = evidenced_ksb_ids(apprenticeship)
    rows = duty_rows(
        structure,
        accepted=accepted,
        active=active,
        events=sign_off_events(apprenticeship),
        means={},
    )
    latest_review = apprenticeship.reviews.first()
    return gateway_checklist(
        apprenticeship,
        ksbs=structure.ksbs,
        accepted=accepted,
        duty_rows=rows,
        hours=hours_summary(apprenticeship, today),
        scans=list(apprenticeship.scans.all()),
        review=(latest_review, next_review(apprenticeship, latest_review, today)),
    )


def gateway_guard(apprenticeship):
    """For the status service: what stops the apprenticeship going to gateway now."""
    return [f"“{label}” does not hold" for label in gateway_for(apprenticeship).missing]
