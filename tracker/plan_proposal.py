"""The proposal of a training plan, a pure function of the standard's KSBs, the agreed scores
of a validated scan, the KSBs with accepted evidence, the dates left and the hours still to do
(tracker.plans stores it)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from skillscan.selectors import GAP_MAX

from .plan_models import PlanActivity

Kind = PlanActivity.Kind
# At most this many KSBs in one proposed activity: a course on twelve topics is no plan.
KSBS_PER_ACTIVITY = 4
MAX_ACTIVITY_HOURS = 2000  # the model's constraint
TITLES = {
    Kind.COURSE: "Course on",
    Kind.PROJECT: "Project work to practise",
    Kind.MENTORING: "Mentoring on",
    Kind.SHADOWING: "Shadowing for",
}


# --- the proposal, a pure function ----------------------------------------------------------


@dataclass
class Proposed:
    title: str
    kind: str
    starts_on: date
    ends_on: date
    planned_hours: Decimal
    ksbs: list = field(default_factory=list)


# A KSB the scan did not rate sorts after every score.
UNRATED = 9


def gap_ksbs(ksbs, scores, evidenced):
    """The KSBs a proposal targets, in the order given: those agreed at 0 or 1, and those
    without accepted evidence whatever their score (the assessor needs evidence of every KSB).
    The proposal puts the lowest scores first."""
    return [
        ksb
        for ksb in ksbs
        if (scores.get(ksb.pk) is not None and scores[ksb.pk] <= GAP_MAX) or ksb.pk not in evidenced
    ]


def _groups(gaps, scores):
    """[(kind, duty number or None, [KSB])]: per kind and first duty, at most KSBS_PER_ACTIVITY
    KSBs each, the lowest scores first, then knowledge, skills, behaviours."""
    buckets = {}
    for ksb in gaps:
        duty = min((d.number for d in getattr(ksb, "duty_list", [])), default=None)
        buckets.setdefault((ksb.kind, duty), []).append(ksb)
    groups = []
    for (kind, duty), members in buckets.items():
        for i in range(0, len(members), KSBS_PER_ACTIVITY):
            groups.append((kind, duty, members[i : i + KSBS_PER_ACTIVITY]))
    kind_rank = {"K": 0, "S": 1, "B": 2}
    groups.sort(
        key=lambda g: (
            min(scores.get(k.pk, UNRATED) for k in g[2]),
            kind_rank[g[0]],
            g[1] or 0,
            g[2][0].number,
        )
    )
    return groups


def _split_hours(total, weights):
    """Whole hours, ``total`` rounded up, shared in proportion to ``weights`` (largest
    remainders first), so the shares add up to at least ``total``."""
    whole = int(Decimal(total).to_integral_value(rounding=ROUND_CEILING))
    weight = sum(weights)
    shares = [whole * w // weight for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(whole * weights[i] % weight), i))
    for i in order[: whole - sum(shares)]:
        shares[i] += 1
    return [Decimal(min(share, MAX_ACTIVITY_HOURS)) for share in shares]


def _slots(start, end, count):
    """``count`` consecutive (first day, last day) periods covering start..end."""
    days = (end - start).days + 1
    edges = [start + timedelta(days=days * i // count) for i in range(count + 1)]
    return [(edges[i], max(edges[i], edges[i + 1] - timedelta(days=1))) for i in range(count)]


def plan_proposal(ksbs, scores, evidenced, *, start, end, hours):
    """The activities of a proposal: ``ksbs`` (with kind, number, code, pk and optionally
    duty_list), ``scores`` {KSB pk: agreed score}, ``evidenced`` the KSB pks with accepted
    evidence, dated from ``start`` to ``end``, sharing ``hours`` (the off-the-job hours still
    to do) in proportion to the KSBs each targets."""
    groups = _groups(gap_ksbs(ksbs, scores, evidenced), scores)
    if not groups:
        return []
    behaviour_groups = 0
    proposed = []
    slots = _slots(start, end, len(groups)) if end >= start else [(start, start)] * len(groups)
    shares = _split_hours(max(Decimal(hours), Decimal(0)), [len(g[2]) for g in groups])
    for (kind, duty, members), (first, last), share in zip(groups, slots, shares, strict=True):
        if kind == "K":
            activity_kind = Kind.COURSE
        elif kind == "S":
            activity_kind = Kind.PROJECT
        else:
            activity_kind = (Kind.MENTORING, Kind.SHADOWING)[behaviour_groups % 2]
            behaviour_groups += 1
        codes = ", ".join(k.code for k in members)
        title = f"{TITLES[activity_kind]} {codes}" + (f" (duty {duty})" if duty else "")
        proposed.append(Proposed(title, activity_kind, first, last, share, list(members)))
    return proposed
