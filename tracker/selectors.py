"""Reads for the tracker: coverage and status of duties, off-the-job hours, reviews. The
arithmetic is in small pure functions; the builders run a constant number of queries."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek

from skillscan.models import SkillScan
from skillscan.selectors import agreed_scores, duty_means, one_decimal

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

    @property
    def percent(self):
        return round(100 * self.covered / self.total) if self.total else 0

    @property
    def status_label(self):
        return DutyProgress.Status(self.status).label

    @property
    def is_signed_off(self):
        return self.status == DutyProgress.Status.SIGNED_OFF


def duty_rows(apprenticeship, structure, scans=None):
    """A row per duty: coverage ("9 of 21 KSBs evidenced"), status and the latest agreed scan
    mean, in at most four queries on top of the structure's."""
    accepted, active = evidenced_ksb_ids(apprenticeship)
    progress = {p.duty_id: p for p in apprenticeship.duty_progress.select_related("signed_off_by")}
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
