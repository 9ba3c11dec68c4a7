"""Believable inboxes for the demo's people: what each would have been told about the demo's
records, dated when each thing happened (what is over two weeks old already read), in the
catalogue's own words. Nothing is e-mailed. Made once: a person who has an inbox keeps it."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Apprenticeship, StatusChange
from notify.events import messages_for
from notify.models import Notification
from skillscan.models import SkillScan
from tracker.models import (
    DutySignOff,
    EvidenceFeedback,
    ProgressReview,
    ReviewConcern,
    TimesheetDecision,
    TimesheetEntry,
)
from tracker.plan_models import TrainingPlan
from tracker.plans import parties_of, told_of_signatures
from tracker.review_people import everyone
from tracker.services.hours import hours_deciders

READ_AFTER = timedelta(days=14)
DECISIONS = {
    EvidenceFeedback.Decision.SUBMITTED: "evidence_submitted",
    EvidenceFeedback.Decision.ACCEPTED: "evidence_accepted",
    EvidenceFeedback.Decision.CHANGES_REQUESTED: "evidence_changes",
    EvidenceFeedback.Decision.COMMENT: "evidence_reply",
}


def _scan_events(apprenticeships):
    scans = SkillScan.objects.filter(
        apprenticeship__in=apprenticeships, submitted_at__isnull=False
    ).select_related("apprenticeship__apprentice", "validated_by")
    for scan in scans:
        apprentice = scan.apprenticeship.apprentice
        yield scan.submitted_at, "scan_submitted", scan.apprenticeship, scan, apprentice, {}
        if scan.validated_at:
            disagreements = sum(r.is_disagreement for r in scan.ratings.all())
            yield (
                scan.validated_at,
                "scan_validated",
                scan.apprenticeship,
                scan,
                scan.validated_by,
                {"disagreements": disagreements},
            )


def _evidence_events(apprenticeships):
    feedback = EvidenceFeedback.objects.filter(
        evidence__apprenticeship__in=apprenticeships, decision__in=list(DECISIONS)
    ).select_related("evidence__apprenticeship", "author")
    for step in feedback:
        evidence = step.evidence
        details = {"comment": step.comment} if step.comment else {}
        yield (
            step.created_at,
            DECISIONS[step.decision],
            evidence.apprenticeship,
            evidence,
            step.author,
            details,
        )


def _record_events(apprenticeships):
    sign_offs = DutySignOff.objects.filter(
        apprenticeship__in=apprenticeships, action=DutySignOff.Action.SIGNED_OFF
    ).select_related("apprenticeship", "duty", "by")
    for sign_off in sign_offs:
        yield sign_off.at, "duty_signed_off", sign_off.apprenticeship, sign_off, sign_off.by, {}
    reviews = ProgressReview.objects.filter(
        apprenticeship__in=apprenticeships, employer_signed_at__isnull=False
    ).select_related("apprenticeship__apprentice", "employer_signed_by")
    for review in reviews:
        apprenticeship = review.apprenticeship
        if review.apprentice_signed_at:
            yield (
                review.apprentice_signed_at,
                "review_signed",
                apprenticeship,
                review,
                apprenticeship.apprentice,
                {},
            )
        else:
            yield (
                review.employer_signed_at,
                "review_to_sign",
                apprenticeship,
                review,
                review.employer_signed_by,
                {},
            )


def _concern_events(apprenticeships):
    from tracker.review_people import safeguarding_leads

    concerns = ReviewConcern.objects.filter(
        review__apprenticeship__in=apprenticeships
    ).select_related("review__apprenticeship", "raised_by")
    for concern in concerns:
        apprenticeship = concern.review.apprenticeship
        leads = safeguarding_leads(apprenticeship)
        yield (
            concern.raised_at,
            "safeguarding_concern",
            apprenticeship,
            concern.review,
            concern.raised_by,
            {"recipients": leads},
        )


def _plan_events(apprenticeships):
    """A plan proposed (to the parties), each signature (to those yet to sign, or to everyone
    once agreed), as tracker.plans tells them."""
    plans = TrainingPlan.objects.filter(apprenticeship__in=apprenticeships).select_related(
        "apprenticeship__apprentice", "created_by"
    )
    for plan in plans.prefetch_related("signatures__by"):
        apprenticeship = plan.apprenticeship
        parties = parties_of(apprenticeship)
        details = {"why": "proposed", "recipients": everyone(apprenticeship, parties)}
        yield plan.created_at, "plan_to_sign", apprenticeship, plan, plan.created_by, details
        signed = set()
        for signature in sorted(plan.signatures.all(), key=lambda s: (s.at, s.pk)):
            signed.add(signature.party)
            kind, told = told_of_signatures(apprenticeship, signed)
            details = {"why": "signed", "recipients": everyone(apprenticeship, told)}
            yield signature.at, kind, apprenticeship, plan, signature.by, details


def _hours_events(apprenticeships):
    """Timesheet lines logged (to the party that decides) and decided (to the apprentice)."""
    entries = TimesheetEntry.objects.filter(apprenticeship__in=apprenticeships).select_related(
        "apprenticeship__apprentice",
        "apprenticeship__organisation",
        "apprenticeship__mentor",
        "apprenticeship__tutor",
        "by",
    )
    for entry in entries:
        apprenticeship = entry.apprenticeship
        details = {"recipients": hours_deciders(apprenticeship)}
        yield entry.created_at, "hours_submitted", apprenticeship, entry, entry.by, details
    decided = (TimesheetDecision.Decision.ACCEPTED, TimesheetDecision.Decision.RETURNED)
    decisions = TimesheetDecision.objects.filter(
        entry__apprenticeship__in=apprenticeships, decision__in=decided
    ).select_related("entry__apprenticeship__apprentice", "by")
    for step in decisions:
        details = {"decision": step.decision, "comment": step.comment}
        yield step.at, "hours_decided", step.entry.apprenticeship, step.entry, step.by, details


def _status_events(apprenticeships):
    changes = StatusChange.objects.filter(
        apprenticeship__in=apprenticeships, old_status__gt=""
    ).select_related("apprenticeship__apprentice", "by")
    for change in changes:
        details = {"before": change.old_status, "to": change.new_status, "reason": change.note}
        yield change.at, "status_changed", change.apprenticeship, change, change.by, details


def seed_inboxes(apprentice_emails, now=None):
    """Inbox items for everyone told about the records of the apprenticeships of the
    apprentices with ``apprentice_emails`` who has no inbox yet; returns how many were made."""
    now = now or timezone.now()
    apprenticeships = Apprenticeship.objects.filter(apprentice__email__in=apprentice_emails)
    events = [
        *_scan_events(apprenticeships),
        *_evidence_events(apprenticeships),
        *_record_events(apprenticeships),
        *_concern_events(apprenticeships),
        *_plan_events(apprenticeships),
        *_hours_events(apprenticeships),
        *_status_events(apprenticeships),
    ]
    events.sort(key=lambda event: event[0])
    has_inbox = set(Notification.objects.values_list("recipient_id", flat=True).distinct())
    items = []
    for when, kind, apprenticeship, about, actor, details in events:
        for message in messages_for(
            kind, apprenticeship=apprenticeship, about=about, actor=actor, **details
        ):
            if message.recipient.pk in has_inbox:
                continue
            items.append(
                Notification(
                    recipient=message.recipient,
                    kind=message.kind,
                    apprenticeship=apprenticeship,
                    actor=actor,
                    title=message.title[:300],
                    body=message.body,
                    url=message.url,
                    created_at=when,
                    read_at=when + timedelta(hours=3) if now - when > READ_AFTER else None,
                )
            )
    return len(Notification.objects.bulk_create(items, batch_size=500))
