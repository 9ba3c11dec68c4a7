"""The figures a progress review opens with: what changed since the last review, from the
record, as a JSON-able snapshot the review keeps (so it reads the same after the record moves).

The period: things dated or decided *after* the day of the last review, up to and including
``today``; a piece of evidence accepted on the day of the last review belongs to that review, as
tracker's "KSBs accepted this period" counts it. With no review before, the period runs from
the start date, that day included. Every figure comes from the rule books: hours from
tracker.rules.hours, coverage and sign-offs from tracker.rules.duties, scan scores per duty from
skillscan (agreed scores, mapped onto the current version by KSB code). Reconstructing "before"
reads the records' events: when each piece of evidence was accepted (its acceptance is final),
the sign-off events, and the employer's re-ratings (RatingChange) of a scan."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from skillscan.models import Rating, RatingChange, SkillScan, agreed
from skillscan.rules import COUNTED, LATEST_FIRST
from skillscan.selectors import duty_means, one_decimal
from skillscan.versions import current_ksb_sql
from standards.models import KSB
from standards.selectors import standard_structure
from tracker.models import (
    DutySignOff,
    Evidence,
    EvidenceFeedback,
    EvidenceKSB,
    ProgressReview,
    TimesheetEntry,
)
from tracker.rules import (
    ACCEPTED_LINK,
    ACTIVE_EVIDENCE,
    current_sign_offs_by_duty,
    expected_tenths,
    hours_of,
    percent,
)
from tracker.rules.hours import hundredths_sum_sql

VERSION = 1
# Timesheet lines that count as logged (the hours page's waiting and accepted lines).
TIMESHEET_COUNTED = (TimesheetEntry.Status.SUBMITTED, TimesheetEntry.Status.ACCEPTED)
# Each list of evidence in the snapshot keeps at most this many pieces (its count is whole).
LIST_LIMIT = 50


def previous_review_date(review, today=None):
    """The day of the review held last before ``review`` (another review of its apprenticeship,
    held on an earlier day), or None when there is none: what ``since`` is for prefill_for."""
    today = today or date.today()
    held = ProgressReview.objects.filter(
        apprenticeship_id=review.apprenticeship_id, held_on__isnull=False
    ).exclude(pk=review.pk)
    held = held.filter(held_on__lt=review.held_on or today + timedelta(days=1))
    return held.order_by("-held_on", "-pk").values_list("held_on", flat=True).first()


def _midnight(day):
    """The start of ``day`` in the site's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _hours_text(hundredths):
    return f"{Decimal(hundredths) / 100:.2f}"


def _accepted_at_sql(evidence="pk"):
    """When the evidence was accepted: its acceptance's time (accepted evidence is final), or,
    for evidence accepted before decisions were kept, when it last changed."""
    decision = (
        EvidenceFeedback.objects.filter(
            evidence_id=OuterRef(evidence), decision=EvidenceFeedback.Decision.ACCEPTED
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    updated = "updated_at" if evidence == "pk" else "evidence__updated_at"
    return Coalesce(Subquery(decision), F(updated))


def _sums(rows, day, field, start, today):
    """{status: [hundredths dated from ``start`` to ``today``, hundredths in all]} of ``rows``."""
    in_period = Q(**{f"{day}__gte": start, f"{day}__lte": today})
    rows = (
        rows.order_by()
        .values_list("status")
        .annotate(
            period=hundredths_sum_sql(field, filter=in_period), total=hundredths_sum_sql(field)
        )
    )
    return {status: [int(p or 0), int(t or 0)] for status, p, t in rows}


def _hours(apprenticeship, since, start, today):
    """Hours dated in the period (logged = evidence not a draft and timesheet lines waiting or
    accepted; of those accepted and waiting) against the hours the expected line adds over it,
    and the totals to date (as the hours page counts them): two queries."""
    sums = _sums(
        Evidence.objects.filter(apprenticeship=apprenticeship, status__in=ACTIVE_EVIDENCE),
        "occurred_on",
        "off_the_job_hours",
        start,
        today,
    )
    lines = TimesheetEntry.objects.filter(
        apprenticeship=apprenticeship, status__in=TIMESHEET_COUNTED
    )
    for status, (p, t) in _sums(lines, "on", "hours", start, today).items():
        both = sums.setdefault(status, [0, 0])
        both[0], both[1] = both[0] + p, both[1] + t
    period = {status: p for status, (p, _) in sums.items()}
    total = {status: t for status, (_, t) in sums.items()}
    accepted, submitted = Evidence.Status.ACCEPTED, Evidence.Status.SUBMITTED
    now = hours_of(apprenticeship, total.get(accepted, 0), total.get(submitted, 0), today)
    a_start, a_end = apprenticeship.start_date, apprenticeship.planned_end_date
    target = apprenticeship.otj_target_hours
    expected = now.expected_tenths - expected_tenths(target, a_start, a_end, since or a_start)
    logged = sum(period.values())
    figures = {
        "logged": logged,
        "accepted": period.get(accepted, 0),
        "waiting": period.get(submitted, 0),
        "expected": 10 * expected,  # hundredths, as the others
    }
    scale = max(figures.values()) or 1
    return {
        **{name: _hours_text(value) for name, value in figures.items()},
        "percent": {name: percent(value, scale) for name, value in figures.items()},
        "total_accepted": _hours_text(now.accepted_hundredths),
        "total_expected": f"{now.expected:.1f}",
        "target": target,
        "on_track": now.on_track,
    }


def _coverage(apprenticeship, structure, period_start, period_end):
    """KSBs of the current standard with accepted evidence before the period and now: one
    query."""
    rows = (
        EvidenceKSB.objects.filter(
            ACCEPTED_LINK,
            evidence__apprenticeship=apprenticeship,
            ksb__standard_id=apprenticeship.standard_id,
        )
        .annotate(accepted_at=_accepted_at_sql("evidence_id"))
        .filter(accepted_at__lt=period_end)
        .values_list("ksb_id", "accepted_at")
    )
    now, before = set(), set()
    for ksb_id, accepted_at in rows:
        now.add(ksb_id)
        if accepted_at < period_start:
            before.add(ksb_id)
    total = len(structure.ksbs)
    return {
        "total": total,
        "before": len(before),
        "after": len(now),
        "before_percent": percent(len(before), total),
        "after_percent": percent(len(now), total),
        "new": [ksb.code for ksb in structure.ksbs if ksb.pk in now - before],
    }


def _sign_off_change(was, is_):
    """In words, a duty with sign-off events in the period: signed off then (``was``) or not,
    and now (``is_``) or not."""
    if was != is_:
        return "signed off" if is_ else "undone"
    return "signed off again" if is_ else "signed off, then undone"


def _duties(apprenticeship, structure, period_start, period_end):
    """Duties signed off before the period and now, and every duty with a sign-off or an undo
    in the period, with its events: one query."""
    events = list(
        DutySignOff.objects.filter(
            apprenticeship=apprenticeship,
            duty__standard_id=apprenticeship.standard_id,
            at__lt=period_end,
        )
        .select_related("by")
        .order_by("at", "pk")
    )
    before = set(current_sign_offs_by_duty(e for e in events if e.at < period_start))
    now = set(current_sign_offs_by_duty(events))
    in_period = {}
    for event in events:
        if event.at >= period_start:
            in_period.setdefault(event.duty_id, []).append(event)
    changes = []
    for duty in structure.duties:
        if duty.pk not in in_period:
            continue
        was, is_ = duty.pk in before, duty.pk in now
        changes.append(
            {
                "number": duty.number,
                "description": duty.description,
                "before": was,
                "after": is_,
                "change": _sign_off_change(was, is_),
                "events": [
                    {
                        "action": event.get_action_display(),
                        "on": timezone.localdate(event.at).isoformat(),
                        "by": event.by.full_name if event.by else "",
                    }
                    for event in in_period[duty.pk]
                ],
            }
        )
    return {
        "total": len(structure.duties),
        "signed_before": len(before),
        "signed_after": len(now),
        "changes": changes,
    }


def _score(text):
    return int(text) if text not in ("", None, "None") else None


def _scan_scores(scan_ids, before_pk, period_start):
    """({scan pk: {current KSB pk: agreed score}} of the scans ``scan_ids`` now, the scores of
    scan ``before_pk`` as they stood when the period began, its re-ratings since undone from
    their records): one query, two with a scan before."""
    ratings = (
        Rating.objects.filter(scan_id__in=scan_ids)
        .order_by()
        .annotate(current_ksb=current_ksb_sql())
        .values_list("pk", "scan_id", "current_ksb", "score", "employer_score")
    )
    now = {pk: {} for pk in scan_ids}
    fields_then = {}
    for pk, scan_id, ksb_id, score, employer_score in ratings:
        if ksb_id is None:
            continue
        now[scan_id][ksb_id] = agreed(score, employer_score)
        if scan_id == before_pk:
            fields_then[pk] = [ksb_id, {"score": score, "employer_score": employer_score}]
    if before_pk is None:
        return now, {}
    changes = (
        RatingChange.objects.filter(
            rating__scan_id=before_pk,
            field__in=[RatingChange.Field.SCORE, RatingChange.Field.EMPLOYER_SCORE],
            changed_at__gte=period_start,
        )
        .order_by("-changed_at", "-pk")
        .values_list("rating_id", "field", "old_value")
    )
    for rating_id, field, old in changes:  # latest first: the earliest change's old value wins
        if rating_id in fields_then:
            fields_then[rating_id][1][field] = _score(old)
    then = {ksb_id: agreed(f["score"], f["employer_score"]) for ksb_id, f in fields_then.values()}
    return now, then


def _scan_summary(scan):
    if scan is None:
        return None
    return {
        "stage": SkillScan.Stage(scan["stage"]).label,
        "status": SkillScan.Status(scan["status"]).label,
        "submitted_on": timezone.localdate(scan["submitted_at"]).isoformat(),
    }


def _direction(change):
    if change is None:
        return "not rated"
    return "up" if change > 0 else "down" if change < 0 else "no change"


def _scans(apprenticeship, structure, period_start, period_end):
    """The agreed mean score per duty in the latest scan as the period began and in the latest
    now, with the change in words: two or three queries."""
    counted = list(
        SkillScan.objects.filter(
            apprenticeship=apprenticeship, status__in=COUNTED, submitted_at__lt=period_end
        )
        .order_by(*LATEST_FIRST)
        .values("pk", "stage", "status", "submitted_at")
    )
    after = counted[0] if counted else None
    before = next((s for s in counted if s["submitted_at"] < period_start), None)
    rows = []
    if after is not None:
        before_pk = before["pk"] if before else None
        scores, then = _scan_scores({after["pk"], before_pk} - {None}, before_pk, period_start)
        now = scores[after["pk"]]
        means_then = dict(duty_means(structure.duties, then))
        for duty, mean_now in duty_means(structure.duties, now):
            was, is_ = one_decimal(means_then[duty]), one_decimal(mean_now)
            if was is None and is_ is not None:
                change, words = None, "first rated"
            else:
                change = None if was is None or is_ is None else is_ - was
                words = _direction(change)
            rows.append(
                {
                    "number": duty.number,
                    "description": duty.description,
                    "before": None if was is None else str(was),
                    "after": None if is_ is None else str(is_),
                    "change": None if change is None else f"{change:+.1f}",
                    "direction": words,
                }
            )
    return {
        "before": _scan_summary(before),
        "after": _scan_summary(after),
        "same_scan": bool(before and after and before["pk"] == after["pk"]),
        "duties": rows,
    }


def _ksb_codes(evidence_ids):
    """{evidence pk: [KSB codes]}: one query, none for no evidence."""
    if not evidence_ids:
        return {}
    codes = {}
    rows = EvidenceKSB.objects.filter(evidence_id__in=evidence_ids).values_list(
        "evidence_id", "ksb__kind", "ksb__number"
    )
    for evidence_id, kind, number in sorted(rows):
        codes.setdefault(evidence_id, []).append(KSB.code_of(kind, number))
    return codes


def _evidence(apprenticeship, period_start, period_end):
    """Evidence accepted in the period, and evidence waiting for review now: three queries."""
    fields = ("pk", "title", "occurred_on", "off_the_job_hours")
    accepted = list(
        Evidence.objects.filter(apprenticeship=apprenticeship, status=Evidence.Status.ACCEPTED)
        .annotate(accepted_at=_accepted_at_sql())
        .filter(accepted_at__gte=period_start, accepted_at__lt=period_end)
        .order_by("accepted_at", "pk")
        .values(*fields, "accepted_at")
    )
    waiting = list(
        Evidence.objects.filter(apprenticeship=apprenticeship, status=Evidence.Status.SUBMITTED)
        .order_by(F("submitted_at").asc(nulls_first=True), "pk")
        .values(*fields, "submitted_at")
    )
    shown = accepted[:LIST_LIMIT], waiting[:LIST_LIMIT]
    codes = _ksb_codes([row["pk"] for rows in shown for row in rows])

    def item(row, when):
        at = row[when]
        return {
            "id": row["pk"],
            "title": row["title"],
            "occurred_on": row["occurred_on"].isoformat(),
            "hours": f"{row['off_the_job_hours']:.2f}",
            "ksbs": codes.get(row["pk"], []),
            when.replace("_at", "_on"): timezone.localdate(at).isoformat() if at else None,
        }

    def listing(rows, when):
        hours = sum((row["off_the_job_hours"] for row in rows), Decimal(0))
        return {
            "count": len(rows),
            "hours": f"{hours:.2f}",
            "items": [item(row, when) for row in rows[:LIST_LIMIT]],
        }

    return {
        "accepted": listing(accepted, "accepted_at"),
        "waiting": listing(waiting, "submitted_at"),
    }


def prefill_for(apprenticeship, since, today=None):
    """What changed on ``apprenticeship`` since ``since`` (the day of the last review, None when
    there was none: then since its start), up to ``today``, as a JSON-able dict. A constant
    number of queries whatever the record's size (nine, three more when the standard's structure
    is not loaded yet in this process)."""
    today = today or date.today()
    first_day = since + timedelta(days=1) if since else apprenticeship.start_date
    period_start, period_end = _midnight(first_day), _midnight(today + timedelta(days=1))
    structure = standard_structure(apprenticeship.standard)
    return {
        "version": VERSION,
        "as_of": today.isoformat(),
        "since": (since or apprenticeship.start_date).isoformat(),
        "since_review": since is not None,
        "first_day": first_day.isoformat(),
        "hours": _hours(apprenticeship, since, first_day, today),
        "coverage": _coverage(apprenticeship, structure, period_start, period_end),
        "duties": _duties(apprenticeship, structure, period_start, period_end),
        "scan": _scans(apprenticeship, structure, period_start, period_end),
        "evidence": _evidence(apprenticeship, period_start, period_end),
    }
