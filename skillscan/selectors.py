"""Reads of scans: the arithmetic of results (pure functions, unit-tested on small cases) and
the builders that feed the pages, each in a constant number of queries."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core.charts import bar_chart, line_chart
from standards.models import KSB

from .models import (
    COMPETENT,
    SCORE_DESCRIPTORS,
    Rating,
    RatingChange,
    Score,
    SkillScan,
    agreed,
)
from .rules import COUNTED, counted_scans, latest_scan, previous_scan
from .versions import agreed_scores_of as agreed_scores_of  # read here by the pages
from .versions import each_onto, same_code_map, scan_structure, scores_onto

# The rating scale as the pages show it: (value, label, descriptor).
SCALE = [(s.value, s.label, SCORE_DESCRIPTORS[s.value]) for s in Score]
# A scan with what its pages and the permission check read of it.
SCANS = SkillScan.objects.select_related(
    "apprenticeship__standard",
    "apprenticeship__apprentice",
    "apprenticeship__mentor",
    "apprenticeship__organisation",
    "validated_by",
)

GAP_MAX = 1  # KSBs agreed at 0 or 1 are gaps
KINDS = (("K", "Knowledge"), ("S", "Skills"), ("B", "Behaviours"))


# --- arithmetic ---------------------------------------------------------------------------------


def mean(values):
    """The arithmetic mean of the values that are not None; None when there are none."""
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def one_decimal(value):
    """A mean as shown on the pages: one decimal place, halves rounded up ("2.5" -> "2.5")."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def agreed_scores(ratings):
    """{ksb_id: agreed score}: the employer's score where given, else the apprentice's."""
    return {r.ksb_id: r.agreed_score for r in ratings}


def duty_means(duties, scores):
    """[(duty, mean of its KSBs' scores)] in duty order, for duties carrying ``ksb_ids`` (the
    duties of a StandardStructure)."""
    return [(duty, mean(scores.get(pk) for pk in duty.ksb_ids)) for duty in duties]


def kind_means(ksbs, scores):
    """{"K": mean, "S": mean, "B": mean} over the KSBs of each kind."""
    return {kind: mean(scores.get(k.pk) for k in ksbs if k.kind == kind) for kind, _ in KINDS}


def gaps(ksbs, scores):
    """The KSBs agreed at 0 or 1, in code order."""
    return [ksb for ksb in ksbs if scores.get(ksb.pk) is not None and scores[ksb.pk] <= GAP_MAX]


def disagreements(ratings):
    """Ratings where apprentice and employer differ by DISAGREEMENT_GAP or more."""
    return [r for r in ratings if r.is_disagreement]


@dataclass
class Change:
    item: object  # a KSB or a Duty
    before: float | None
    after: float | None

    @property
    def change(self):
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def biggest_first(changes):
    """Largest rise first, then smaller rises, then falls; unknown changes last."""
    return sorted(changes, key=lambda c: (c.change is None, -(c.change or 0)))


def ksb_distance(ksbs, current, previous):
    """Distance travelled per KSB between two {ksb_id: score} maps, biggest first."""
    return biggest_first(Change(k, previous.get(k.pk), current.get(k.pk)) for k in ksbs)


def duty_distance(duties, current, previous):
    """Distance travelled per duty (change of its mean), biggest first."""
    before = dict(duty_means(duties, previous))
    return biggest_first(
        Change(duty, before[duty], after) for duty, after in duty_means(duties, current)
    )


@dataclass
class PriorLearning:
    """A recognition-of-prior-learning estimate from a validated initial scan. Every figure
    is derived from the ones before it, so the page can show the arithmetic."""

    competent: int
    total: int
    otj_target_hours: int

    @property
    def share(self):
        return Decimal(self.competent) / Decimal(self.total) if self.total else Decimal(0)

    @property
    def percent(self):
        return (self.share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def otj_hours(self):
        return (self.share * self.otj_target_hours).quantize(Decimal(1), rounding=ROUND_HALF_UP)

    @property
    def min_price_reduction_percent(self):
        """The funding rules ask for a price reduction of at least half the prior-learning
        share: 30% prior learning means at least 15% off."""
        return (self.share * 50).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def prior_learning(scores, otj_target_hours):
    competent = sum(1 for score in scores.values() if score is not None and score >= COMPETENT)
    return PriorLearning(competent, len(scores), otj_target_hours)


# --- page data ------------------------------------------------------------------------------------


@dataclass
class KSBRow:
    ksb: object
    rating: Rating | None
    change: float | None = None

    @property
    def agreed(self):
        return self.rating.agreed_score if self.rating else None


@dataclass
class DutyRow:
    duty: object
    mean: Decimal | None
    change: float | None = None


@dataclass
class ScanResults:
    scan: SkillScan
    rows: list[KSBRow]
    kinds: list[tuple[str, str, Decimal | None]]
    duties: list[DutyRow]
    gaps: list[object]
    disagreements: list[Rating]
    previous: SkillScan | None = None
    ksb_changes: list[Change] = field(default_factory=list)
    duty_changes: list[Change] = field(default_factory=list)
    prior_learning: PriorLearning | None = None
    history: list[RatingChange] = field(default_factory=list)

    @property
    def rated(self):
        return sum(1 for row in self.rows if row.rating)


def scan_results(scan):
    """Everything the results page shows, in seven queries whatever the standard's size (one
    more for a scan made on a version the apprenticeship has moved from: it shows every one
    of its own ratings, against the KSBs it rated)."""
    all_ratings = list(scan.ratings.all())
    structure = scan_structure(scan, all_ratings)
    ksb_by_pk = {ksb.pk: ksb for ksb in structure.ksbs}
    order = {ksb.pk: position for position, ksb in enumerate(structure.ksbs)}
    ratings = {}
    for rating in all_ratings:
        if rating.ksb_id in ksb_by_pk:
            rating.ksb = ksb_by_pk[rating.ksb_id]  # the one carrying its duties: no query
        ratings[rating.ksb_id] = rating
    scores = agreed_scores(ratings.values())
    means = kind_means(structure.ksbs, scores)
    results = ScanResults(
        scan=scan,
        rows=[KSBRow(ksb, ratings.get(ksb.pk)) for ksb in structure.ksbs],
        kinds=[
            (kind, label, one_decimal(means[kind]))
            for kind, label in KINDS
            if any(ksb.kind == kind for ksb in structure.ksbs)
        ],
        duties=[
            DutyRow(duty, one_decimal(value))
            for duty, value in duty_means(structure.duties, scores)
        ],
        gaps=gaps(structure.ksbs, scores),
        disagreements=sorted(disagreements(ratings.values()), key=lambda r: order.get(r.ksb_id, 0)),
    )
    previous = previous_scan(scan, scan.apprenticeship.scans.all())
    if previous is not None:
        before = agreed_scores(previous.ratings.all())
        before = scores_onto(before, same_code_map(before, structure.ksbs))
        results.previous = previous
        results.ksb_changes = ksb_distance(structure.ksbs, scores, before)
        results.duty_changes = duty_distance(structure.duties, scores, before)
        change_of = {c.item.pk: c.change for c in results.ksb_changes}
        for row in results.rows:
            row.change = change_of.get(row.ksb.pk)
        duty_change_of = {c.item.pk: c.change for c in results.duty_changes}
        for row in results.duties:
            row.change = duty_change_of.get(row.duty.pk)
    if scan.stage == SkillScan.Stage.INITIAL and scan.status == SkillScan.Status.VALIDATED:
        results.prior_learning = prior_learning(
            {ksb.pk: scores.get(ksb.pk) for ksb in structure.ksbs},
            scan.apprenticeship.otj_target_hours,
        )
    results.history = list(
        RatingChange.objects.filter(rating__scan=scan).select_related("rating__ksb", "changed_by")
    )
    return results


def startable_stages(scans):
    """The stages a new scan may have, given the apprenticeship's scans (oldest first): the
    initial scan first; once the latest scan is validated, a review or the final one."""
    if not scans:
        return [SkillScan.Stage.INITIAL]
    if any(scan.status != SkillScan.Status.VALIDATED for scan in scans):
        return []
    if any(scan.stage == SkillScan.Stage.FINAL for scan in scans):
        return []
    return [SkillScan.Stage.REVIEW, SkillScan.Stage.FINAL]


def ratings_in_code_order(scan):
    """The scan's ratings in KSB code order, each carrying its KSB (with its duties)."""
    all_ratings = list(scan.ratings.all())
    structure = scan_structure(scan, all_ratings)
    position = {ksb.pk: index for index, ksb in enumerate(structure.ksbs)}
    ksb_by_pk = {ksb.pk: ksb for ksb in structure.ksbs}
    ratings = sorted(all_ratings, key=lambda r: position[r.ksb_id])
    for rating in ratings:
        rating.ksb = ksb_by_pk[rating.ksb_id]
    return ratings


def resume_section(scan):
    """Where an apprentice picks a draft up again: the first section with an unrated KSB."""
    first_missing = (
        KSB.objects.filter(standard_id=scan.apprenticeship.standard_id)
        .exclude(pk__in=scan.ratings.values("ksb_id"))
        .first()
    )
    return (first_missing.kind if first_missing else "B").lower()


@dataclass
class ScanOverview:
    """Everything an apprenticeship's home page shows about its scans, from two queries."""

    panel: dict
    latest: SkillScan | None  # the latest submitted or validated scan
    latest_scores: dict  # {ksb pk: agreed score} of that scan
    history: list  # [(scan, {duty: mean})] for every submitted scan, oldest first


def scan_overview(apprenticeship, structure, *, is_apprentice):
    scans = list(
        SkillScan.objects.filter(apprenticeship_id=apprenticeship.pk).order_by("created_at", "pk")
    )
    scores = {scan.pk: {} for scan in scans}  # {scan pk: {ksb pk: agreed score}}
    if scans:
        ratings = (
            Rating.objects.filter(scan_id__in=list(scores))
            .order_by()
            .values_list("scan_id", "ksb_id", "score", "employer_score")
        )
        for scan_id, ksb_id, score, employer_score in ratings:
            scores[scan_id][ksb_id] = agreed(score, employer_score)
    for scan in scans:
        scan.rated = len(scores[scan.pk])
    scores = dict(zip(scores, each_onto(scores.values(), structure.ksbs), strict=True))
    draft = next((scan for scan in scans if scan.is_draft), None)
    resume = None
    if draft and is_apprentice:
        rated = scores[draft.pk]
        first_missing = next((k for k in structure.ksbs if k.pk not in rated), None)
        resume = (first_missing.kind if first_missing else "B").lower()
    submitted = counted_scans(scans)
    history = [(scan, dict(duty_means(structure.duties, scores[scan.pk]))) for scan in submitted]
    latest = latest_scan(scans)
    return ScanOverview(
        panel={
            "scans": scans,
            "draft": draft,
            "resume": resume,
            "awaiting": [scan for scan in scans if scan.status == SkillScan.Status.SUBMITTED],
            "startable": startable_stages(scans)
            if is_apprentice and apprenticeship.status == "active"
            else [],
        },
        latest=latest,
        latest_scores=scores[latest.pk] if latest else {},
        history=history,
    )


# --- downloads ------------------------------------------------------------------------------

SCAN_CSV_HEADER = [
    "code",
    "kind",
    "ksb",
    "duties",
    "apprentice score",
    "apprentice comment",
    "employer score",
    "employer comment",
    "agreed score",
]


def scan_csv_rows(results):
    """A row per KSB of a scan's results, in the order of SCAN_CSV_HEADER."""
    kinds = dict(KINDS)
    for row in results.rows:
        rating = row.rating
        yield [
            row.ksb.code,
            kinds[row.ksb.kind],
            row.ksb.description,
            " ".join(str(duty.number) for duty in row.ksb.duty_list),
            rating and rating.score,
            rating and rating.comment,
            rating and rating.employer_score,
            rating and rating.employer_comment,
            row.agreed,
        ]


# --- charts ---------------------------------------------------------------------------------

MAX_SCORE = max(Score.values)


def duty_bar_chart(duty_rows):
    """Each duty's mean agreed score as a bar on the 0-4 scale."""
    return bar_chart(
        [(f"Duty {row.duty.number}", row.mean) for row in duty_rows], scale_max=MAX_SCORE
    )


def duty_history(apprenticeship, duties):
    """[(scan, {duty: mean agreed score})] for every scan that counts, oldest first: two
    queries."""
    scans = counted_scans(
        apprenticeship.scans.filter(status__in=COUNTED).prefetch_related("ratings")
    )
    ksbs = [ksb for duty in duties for ksb in duty.ksb_list]
    scores = each_onto([agreed_scores(scan.ratings.all()) for scan in scans], ksbs)
    return [(scan, dict(duty_means(duties, one))) for scan, one in zip(scans, scores, strict=True)]


def duty_history_table(history, duties):
    """[(duty, [mean per scan])] from ``history``, [(scan, {duty: mean})] oldest first."""
    return [(duty, [one_decimal(means.get(duty)) for _, means in history]) for duty in duties]


def duty_history_chart(history, duties):
    """A line per duty: its mean agreed score in every submitted scan of ``history``."""
    return line_chart(
        [f"{scan.get_stage_display()} {scan.submitted_at:%b %Y}" for scan, _ in history],
        [
            (f"Duty {duty.number}", f"D{duty.number}", values)
            for duty, values in duty_history_table(history, duties)
        ],
        scale_max=MAX_SCORE,
    )
