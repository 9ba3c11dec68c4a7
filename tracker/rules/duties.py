"""Duties and KSBs: coverage by accepted evidence, and each duty's status."""

from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from standards.models import Duty

from ..models import DutySignOff, Evidence, EvidenceKSB

# Evidence whose KSBs count as being worked on: everything but drafts.
ACTIVE_EVIDENCE = (
    Evidence.Status.SUBMITTED,
    Evidence.Status.ACCEPTED,
    Evidence.Status.CHANGES_REQUESTED,
)


def ksb_accepted(status, accepted):
    """Whether a link of evidence to a KSB makes that KSB evidenced: the evidence is accepted
    and its latest decision accepted this KSB (a decision may accept some of its KSBs only).
    ``status`` is the evidence's, ``accepted`` the link's (EvidenceKSB)."""
    return status == Evidence.Status.ACCEPTED and accepted


# The SQL twin of ksb_accepted, on EvidenceKSB rows.
ACCEPTED_LINK = Q(evidence__status=Evidence.Status.ACCEPTED, accepted=True)


def accepted_links():
    """EvidenceKSB rows that make their KSB evidenced (ksb_accepted, in SQL)."""
    return EvidenceKSB.objects.filter(ACCEPTED_LINK)


class DutyStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    EVIDENCED = "evidenced", "Evidenced"
    SIGNED_OFF = "signed_off", "Signed off"


def duty_status(ksb_ids, accepted_ids, active_ids, signed_off):
    """A duty's status: signed off while the employer's latest word on it is a sign-off; else
    evidenced when every one of its KSBs is accepted by accepted evidence (ksb_accepted; a duty
    with no KSBs never is);
    in progress once any of its KSBs has evidence that is not a draft; else not started."""
    if signed_off:
        return DutyStatus.SIGNED_OFF
    ksb_ids = set(ksb_ids)
    if ksb_ids and ksb_ids <= set(accepted_ids):
        return DutyStatus.EVIDENCED
    if ksb_ids & set(active_ids):
        return DutyStatus.IN_PROGRESS
    return DutyStatus.NOT_STARTED


def current_sign_offs_by_duty(events):
    """{duty id: the event that signs it off} for the duties whose latest event among
    ``events`` (DutySignOff rows of one apprenticeship) is a sign-off."""
    latest = {}
    for event in sorted(events, key=lambda e: e.pk):
        latest[event.duty_id] = event
    return {
        duty: event
        for duty, event in latest.items()
        if event.action == DutySignOff.Action.SIGNED_OFF
    }


def signed_off_duty_ids(events):
    """The duties whose latest event among ``events`` is a sign-off (callers pass the events
    of the duties they ask about: those of the current standard, see sign_off_events)."""
    return set(current_sign_offs_by_duty(events))


def _later_event():
    return DutySignOff.objects.filter(
        apprenticeship=OuterRef("apprenticeship"), duty=OuterRef("duty"), pk__gt=OuterRef("pk")
    )


def current_sign_offs():
    """DutySignOff rows that are a duty's latest word and say "signed off"."""
    return DutySignOff.objects.filter(action=DutySignOff.Action.SIGNED_OFF).exclude(
        Exists(_later_event())
    )


def duties_signed_sql():
    """The number of duties of the apprenticeship's current standard signed off, per
    apprenticeship (a duty's current sign-off is its one latest event, so each duty counts
    once; sign-offs of a version it moved from are records, not counted)."""
    return Coalesce(
        Subquery(
            current_sign_offs()
            .filter(apprenticeship=OuterRef("pk"), duty__standard=OuterRef("standard"))
            .order_by()
            .values("apprenticeship")
            .annotate(n=Count("duty"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _duty_ksbs_with_evidence(apprenticeship, links):
    """The number of each duty's KSBs with a link of ``links`` (EvidenceKSB rows) from evidence
    of ``apprenticeship``."""
    evidenced = links.filter(evidence__apprenticeship=apprenticeship).values("ksb_id")
    return Coalesce(
        Subquery(
            Duty.ksbs.through.objects.filter(duty=OuterRef("pk"), ksb__in=evidenced)
            .order_by()
            .values("duty")
            .annotate(n=Count("ksb"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def duties_with_progress(duties, apprenticeship):
    """Annotate a queryset of duties with each one's progress on ``apprenticeship``: ``total``
    KSBs, ``covered`` (with accepted evidence), ``worked`` (with evidence that is not a draft),
    ``signed_off`` and ``status``, the SQL twin of duty_status."""
    total = Coalesce(
        Subquery(
            Duty.ksbs.through.objects.filter(duty=OuterRef("pk"))
            .order_by()
            .values("duty")
            .annotate(n=Count("ksb"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    return duties.annotate(
        total=total,
        covered=_duty_ksbs_with_evidence(apprenticeship, accepted_links()),
        worked=_duty_ksbs_with_evidence(
            apprenticeship, EvidenceKSB.objects.filter(evidence__status__in=ACTIVE_EVIDENCE)
        ),
        signed_off=Exists(
            current_sign_offs().filter(apprenticeship=apprenticeship, duty=OuterRef("pk"))
        ),
    ).annotate(
        status=Case(
            When(signed_off=True, then=Value(DutyStatus.SIGNED_OFF)),
            When(Q(total__gt=0) & Q(covered=F("total")), then=Value(DutyStatus.EVIDENCED)),
            When(worked__gt=0, then=Value(DutyStatus.IN_PROGRESS)),
            default=Value(DutyStatus.NOT_STARTED),
            output_field=models.CharField(),
        )
    )


# --- KSB coverage --------------------------------------------------------------------------------


def evidenced_ksb_ids(apprenticeship):
    """(KSB ids accepted by accepted evidence, KSB ids with any evidence that is not a draft) of
    one apprenticeship, in one query: KSBs of its current standard only (links left on a version
    it moved from stay visible but no longer count)."""
    rows = EvidenceKSB.objects.filter(
        evidence__apprenticeship=apprenticeship,
        evidence__status__in=ACTIVE_EVIDENCE,
        ksb__standard_id=apprenticeship.standard_id,
    ).values_list("ksb_id", "evidence__status", "accepted")
    accepted, active = set(), set()
    for ksb_id, status, link_accepted in rows:
        active.add(ksb_id)
        if ksb_accepted(status, link_accepted):
            accepted.add(ksb_id)
    return accepted, active


def ksbs_covered_sql():
    """The number of KSBs of the apprenticeship's current standard accepted by accepted
    evidence, per apprenticeship."""
    return Coalesce(
        Subquery(
            accepted_links()
            .filter(evidence__apprenticeship=OuterRef("pk"), ksb__standard=OuterRef("standard"))
            .order_by()
            .values("evidence__apprenticeship")
            .annotate(n=Count("ksb", distinct=True))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
