"""Reads for the tracker: coverage and status of duties, off-the-job hours, reviews. The
arithmetic is in small pure functions; the builders run a constant number of queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek
from django.urls import reverse

from skillscan.models import SkillScan
from skillscan.selectors import agreed_scores, duty_means, one_decimal
from standards.selectors import standard_structure

from .models import REVIEW_INTERVAL, DutyProgress, Evidence, ProgressReview

ON_TRACK_SHARE = Decimal("0.9")
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=8, decimal_places=2))


# --- duties ---------------------------------------------------------------------------------


def derived_status(ksb_ids, accepted_ids, active_ids):
    """A duty's status before any sign-off: evidenced when every one of its KSBs has accepted
    evidence, in progress once any evidence for one of them has been submitted, else not
    started. A duty with no KSBs cannot be evidenced."""
    ksb_ids = set(ksb_ids)
    if ksb_ids and ksb_ids <= set(accepted_ids):
        return DutyProgress.Status.EVIDENCED
    if ksb_ids & set(active_ids):
        return DutyProgress.Status.IN_PROGRESS
    return DutyProgress.Status.NOT_STARTED


def evidenced_ksb_ids(apprenticeship):
    """(KSB ids with accepted evidence, KSB ids with any submitted evidence) in one query."""
    rows = Evidence.ksbs.through.objects.filter(
        evidence__apprenticeship=apprenticeship,
        evidence__status__in=[
            Evidence.Status.SUBMITTED,
            Evidence.Status.ACCEPTED,
            Evidence.Status.CHANGES_REQUESTED,
        ],
    ).values_list("ksb_id", "evidence__status")
    accepted, active = set(), set()
    for ksb_id, status in rows:
        active.add(ksb_id)
        if status == Evidence.Status.ACCEPTED:
            accepted.add(ksb_id)
    return accepted, active


def latest_scan_means(apprenticeship, duties, scans=None):
    """({duty pk: mean agreed score}, scan) from the latest submitted or validated scan; pass
    the apprenticeship's ``scans`` when they are loaded already."""
    if scans is None:
        scan = (
            SkillScan.objects.submitted()
            .filter(apprenticeship=apprenticeship)
            .order_by("-submitted_at", "-pk")
            .first()
        )
    else:
        submitted = [s for s in scans if s.submitted_at and not s.is_draft]
        scan = max(submitted, key=lambda s: (s.submitted_at, s.pk)) if submitted else None
    if scan is None:
        return {}, None
    means = duty_means(duties, agreed_scores(scan.ratings.all()))
    return {duty.pk: one_decimal(value) for duty, value in means}, scan


@dataclass
class DutyRow:
    duty: object
    progress: DutyProgress | None
    covered: int
    total: int
    status: str
    scan_mean: Decimal | None
    accepted_ksb_ids: set = field(default_factory=set)

    @property
    def percent(self):
        return round(100 * self.covered / self.total) if self.total else 0

    @property
    def status_label(self):
        return DutyProgress.Status(self.status).label

    @property
    def is_signed_off(self):
        return self.status == DutyProgress.Status.SIGNED_OFF


def duty_rows(apprenticeship, structure, scans=None, *, evidenced=None, means=None):
    """A row per duty: coverage ("9 of 21 KSBs evidenced"), status and the latest agreed scan
    mean, in at most four queries on top of the structure's. Pass what is loaded already:
    ``evidenced`` (accepted, active KSB ids) and ``means`` ({duty pk: mean})."""
    accepted, active = evidenced if evidenced is not None else evidenced_ksb_ids(apprenticeship)
    progress = {p.duty_id: p for p in apprenticeship.duty_progress.select_related("signed_off_by")}
    if means is None:
        means, _ = latest_scan_means(apprenticeship, structure.duties, scans)
    rows = []
    for duty in structure.duties:
        ksb_ids = {ksb.pk for ksb in duty.ksbs.all()}
        row_progress = progress.get(duty.pk)
        if row_progress and row_progress.status == DutyProgress.Status.SIGNED_OFF:
            status = DutyProgress.Status.SIGNED_OFF
        else:
            status = derived_status(ksb_ids, accepted, active)
        rows.append(
            DutyRow(
                duty=duty,
                progress=row_progress,
                covered=len(ksb_ids & accepted),
                total=len(ksb_ids),
                status=status,
                scan_mean=means.get(duty.pk),
                accepted_ksb_ids=ksb_ids & accepted,
            )
        )
    return rows


# --- hours ----------------------------------------------------------------------------------


@dataclass
class Hours:
    accepted: Decimal
    pending: Decimal
    target: int
    elapsed_share: Decimal

    @property
    def expected(self):
        """What should be evidenced by now: the target times the share of the planned
        duration that has passed."""
        return (self.target * self.elapsed_share).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def on_track(self):
        return self.accepted >= ON_TRACK_SHARE * self.expected

    @property
    def percent_of_target(self):
        return min(100, round(100 * self.accepted / self.target)) if self.target else 100

    @property
    def percent_expected(self):
        return min(100, round(100 * self.expected / self.target)) if self.target else 0

    @property
    def remaining(self):
        return max(Decimal(0), self.target - self.accepted)


def elapsed_share(start, end, today):
    """The share of the planned duration that has passed, between 0 and 1."""
    total = (end - start).days
    if total <= 0:
        return Decimal(1)
    done = min(max((today - start).days, 0), total)
    return (Decimal(done) / Decimal(total)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def hours_summary(apprenticeship, today=None):
    """Accepted and waiting hours (summed in the database, one query) against the target."""
    today = today or date.today()
    totals = Evidence.objects.filter(apprenticeship=apprenticeship).aggregate(
        accepted=Coalesce(
            Sum("off_the_job_hours", filter=Q(status=Evidence.Status.ACCEPTED)), ZERO
        ),
        pending=Coalesce(
            Sum("off_the_job_hours", filter=Q(status=Evidence.Status.SUBMITTED)), ZERO
        ),
    )
    return Hours(
        accepted=totals["accepted"],
        pending=totals["pending"],
        target=apprenticeship.otj_target_hours,
        elapsed_share=elapsed_share(
            apprenticeship.start_date, apprenticeship.planned_end_date, today
        ),
    )


def week_start(day):
    return day - timedelta(days=day.weekday())


def weekly_hours(apprenticeship, today=None):
    """[(Monday, accepted hours)] for every week from the start to today (or the planned end),
    the sums grouped in the database."""
    today = today or date.today()
    sums = {
        (row["week"].date() if hasattr(row["week"], "date") else row["week"]): row["hours"]
        for row in Evidence.objects.filter(
            apprenticeship=apprenticeship, status=Evidence.Status.ACCEPTED
        )
        .annotate(week=TruncWeek("occurred_on"))
        .values("week")
        .annotate(hours=Sum("off_the_job_hours"))
        .order_by("week")
    }
    first = week_start(apprenticeship.start_date)
    last = week_start(min(today, apprenticeship.planned_end_date))
    if sums:
        first = min(first, min(sums))
        last = max(last, max(sums))
    weeks, day = [], first
    while day <= last:
        weeks.append((day, sums.get(day, Decimal(0))))
        day += timedelta(weeks=1)
    return weeks


# --- reviews ----------------------------------------------------------------------------------


@dataclass
class NextReview:
    due_on: date
    overdue: bool
    days: int

    @property
    def label(self):
        if self.overdue:
            return f"overdue by {-self.days} day{'s' if -self.days != 1 else ''}"
        if self.days == 0:
            return "due today"
        return f"due in {self.days} day{'s' if self.days != 1 else ''}"


NOT_LOADED = object()


def next_review(apprenticeship, latest=NOT_LOADED, today=None):
    """When the next progress review is due: as agreed at the latest review, or 12 weeks after
    the start when there has been none. Pass ``latest`` (a review or None) when it is known."""
    today = today or date.today()
    if latest is NOT_LOADED:
        latest = ProgressReview.objects.filter(apprenticeship=apprenticeship).first()
    due = latest.next_due_on if latest else apprenticeship.start_date + REVIEW_INTERVAL
    days = (due - today).days
    return NextReview(due_on=due, overdue=days < 0, days=days)


# --- gateway readiness --------------------------------------------------------------------------


@dataclass
class Check:
    label: str
    done: bool
    detail: str
    url: str


@dataclass
class Gateway:
    checks: list[Check]

    @property
    def ready(self):
        return all(check.done for check in self.checks)

    @property
    def done_count(self):
        return sum(check.done for check in self.checks)


def gateway_readiness(
    apprenticeship, *, structure, accepted, rows, hours, scans, latest_review, review
):
    """The gateway checklist from what the home page has loaded already (no queries): every
    KSB has accepted evidence; every duty is signed off; the hours meet the target; the latest
    scan is validated; the last review is signed by both and the next is not overdue."""
    pk = apprenticeship.pk
    missing = [ksb for ksb in structure.ksbs if ksb.pk not in accepted]
    unsigned = [row for row in rows if not row.is_signed_off]
    latest = max(scans, key=lambda s: (s.created_at, s.pk)) if scans else None
    scan_done = bool(latest and latest.status == "validated")
    review_done = bool(
        latest_review and latest_review.is_locked and review is not None and not review.overdue
    )
    return Gateway(
        [
            Check(
                "Every KSB has accepted evidence",
                not missing,
                f"{len(structure.ksbs) - len(missing)} of {len(structure.ksbs)} KSBs"
                + (f"; missing {', '.join(k.code for k in missing[:8])}" if missing else "")
                + ("…" if len(missing) > 8 else ""),
                reverse("tracker:duty-list", kwargs={"pk": pk}),
            ),
            Check(
                "Every duty is signed off",
                not unsigned,
                f"{len(rows) - len(unsigned)} of {len(rows)} duties signed off",
                reverse("tracker:duty-list", kwargs={"pk": pk}),
            ),
            Check(
                "Off-the-job hours meet the target",
                hours.accepted >= hours.target,
                f"{hours.accepted:.1f} of {hours.target} hours accepted",
                reverse("tracker:hours", kwargs={"pk": pk}),
            ),
            Check(
                "The latest skills scan is validated",
                scan_done,
                (
                    f"The {latest.get_stage_display().lower()} scan is "
                    f"{latest.get_status_display().lower()}"
                )
                if latest
                else "No scan yet",
                latest.get_absolute_url()
                if latest and not latest.is_draft
                else apprenticeship.get_absolute_url(),
            ),
            Check(
                "The last progress review is signed and the next is not overdue",
                review_done,
                (
                    "No review yet"
                    if latest_review is None
                    else "Not signed by both yet"
                    if not latest_review.is_locked
                    else f"Next review {review.label}"
                ),
                reverse("tracker:progress-review-list", kwargs={"pk": pk}),
            ),
        ]
    )


# --- the KSB heatmap ---------------------------------------------------------------------------


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


def gateway_for(apprenticeship):
    """The gateway checklist of one apprenticeship, loading what it needs."""
    structure = standard_structure(apprenticeship.standard)
    accepted, active = evidenced_ksb_ids(apprenticeship)
    rows = duty_rows(apprenticeship, structure, evidenced=(accepted, active), means={})
    latest_review = apprenticeship.reviews.first()
    return gateway_readiness(
        apprenticeship,
        structure=structure,
        accepted=accepted,
        rows=rows,
        hours=hours_summary(apprenticeship),
        scans=list(apprenticeship.scans.all()),
        latest_review=latest_review,
        review=next_review(apprenticeship, latest=latest_review),
    )


# --- portfolio ------------------------------------------------------------------------------------


@dataclass
class PortfolioEntry:
    ksb: object
    evidence: list
    score: int | None


def portfolio(apprenticeship):
    """For each KSB: its duties, the accepted evidence mapped to it and the latest agreed
    score; and the same grouped per duty. Five queries whatever the amount of evidence."""
    structure = standard_structure(apprenticeship.standard)
    accepted = list(
        apprenticeship.evidence.filter(status=Evidence.Status.ACCEPTED)
        .prefetch_related("ksbs")
        .order_by("occurred_on", "pk")
    )
    evidence_of = {}
    for item in accepted:
        for ksb in item.ksbs.all():
            evidence_of.setdefault(ksb.pk, []).append(item)
    latest = (
        SkillScan.objects.submitted()
        .filter(apprenticeship=apprenticeship)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    scores = agreed_scores(latest.ratings.all()) if latest else {}
    entries = {
        ksb.pk: PortfolioEntry(ksb, evidence_of.get(ksb.pk, []), scores.get(ksb.pk))
        for ksb in structure.ksbs
    }
    return {
        "structure": structure,
        "entries": [entries[ksb.pk] for ksb in structure.ksbs],
        "by_duty": [
            (duty, [entries[ksb.pk] for ksb in duty.ksbs.all() if ksb.pk in entries])
            for duty in structure.duties
        ],
        "latest_scan": latest,
        "evidence_count": len(accepted),
    }
