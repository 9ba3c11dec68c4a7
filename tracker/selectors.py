"""Reads the tracker's pages share: duty rows, a duty's page, evidence lists, weekly hours. The
meaning of every figure is in tracker/rules.py; these only gather, in a constant number of
queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import User
from core.tables import choice, pick, url_for_each
from skillscan.models import Rating
from skillscan.rules import latest_scan_query
from skillscan.selectors import agreed_scores_of, duty_means, one_decimal
from standards.models import KIND_RANK, KSB, Duty
from standards.selectors import standard_structure

from .links import EvidenceLink, describe_link
from .models import DutySignOff, Evidence, EvidenceKSB
from .rules import (
    ACTIVE_EVIDENCE,
    DutyStatus,
    accepted_links,
    current_sign_offs_by_duty,
    duties_with_progress,
    duty_status,
    evidenced_ksb_ids,
    ksb_accepted,
    percent,
    waiting_days,
    waiting_label,
)


@dataclass
class DutyRow:
    duty: object
    covered: int
    total: int
    status: str
    scan_mean: Decimal | None
    sign_off: DutySignOff | None = None
    worked: int = 0  # its KSBs with evidence that is not a draft, accepted or not

    @property
    def percent(self):
        return percent(self.covered, self.total)

    @property
    def waiting(self):
        """Its KSBs with evidence logged but none of it accepted for them yet."""
        return max(self.worked - self.covered, 0)

    @property
    def status_label(self):
        """The status in words that fit the figures: "in progress" only once something is
        accepted; before that, evidence logged is a start and says so."""
        if self.status == DutyStatus.IN_PROGRESS and not self.covered:
            return "Started"
        return DutyStatus(self.status).label

    @property
    def is_signed_off(self):
        return self.status == DutyStatus.SIGNED_OFF

    @property
    def unevidenced(self):
        """How many of the duty's KSBs have no accepted evidence now."""
        return self.total - self.covered


def sign_off_events(apprenticeship, duty=None):
    """The apprenticeship's sign-off events, oldest first: of one ``duty`` with who made them
    (its pages name them), else of every duty of its current standard (enough for their
    statuses; those of a version it moved from are records, not counted)."""
    events = DutySignOff.objects.filter(
        apprenticeship_id=apprenticeship.pk, duty__standard_id=apprenticeship.standard_id
    ).order_by("pk")
    if duty is not None:
        events = events.filter(duty=duty).select_related("by").prefetch_related("unevidenced_ksbs")
    return list(events)


def duty_rows(structure, *, accepted, active, events, means):
    """A row per duty of ``structure`` from what the caller has loaded (no queries): the
    accepted and active KSB ids, the sign-off events and {duty pk: latest scan mean}. This is
    the Python form of the rules; duty_rows_from_database is the SQL one."""
    signed = current_sign_offs_by_duty(events)
    rows = []
    for duty in structure.duties:
        ksb_ids = duty.ksb_ids
        rows.append(
            DutyRow(
                duty=duty,
                covered=len(ksb_ids & accepted),
                total=len(ksb_ids),
                status=duty_status(ksb_ids, accepted, active, duty.pk in signed),
                scan_mean=means.get(duty.pk),
                sign_off=signed.get(duty.pk),
                worked=len(ksb_ids & active),
            )
        )
    return rows


def latest_scan_means(apprenticeship, duties):
    """{duty pk: mean agreed score} in the latest scan, one decimal (None without a scan), for
    duties of the standard's structure: one query."""
    latest = latest_scan_query(apprenticeship).values("pk")
    scores = agreed_scores_of(Rating.objects.filter(scan__in=latest))
    return {duty.pk: one_decimal(value) for duty, value in duty_means(duties, scores)}


def duty_rows_of(apprenticeship):
    """Every duty of the apprenticeship's standard as a row, by the Python form of the rules
    on the standard's shared structure: four queries, none per duty."""
    structure = standard_structure(apprenticeship.standard)
    accepted, active = evidenced_ksb_ids(apprenticeship)
    return duty_rows(
        structure,
        accepted=accepted,
        active=active,
        events=sign_off_events(apprenticeship),
        means=latest_scan_means(apprenticeship, structure.duties),
    )


def duty_rows_from_database(apprenticeship):
    """Every duty of the apprenticeship's standard with its coverage and status computed in
    the database, and its latest scan mean: a constant number of queries. The SQL form of
    duty_rows_of; the tests hold the two to the same answers."""
    duties = list(
        duties_with_progress(
            Duty.objects.filter(standard_id=apprenticeship.standard_id).prefetch_related("ksbs"),
            apprenticeship,
        )
    )
    for duty in duties:
        duty.standard = apprenticeship.standard
    signed = current_sign_offs_by_duty(sign_off_events(apprenticeship))
    means = latest_scan_means(apprenticeship, standard_structure(apprenticeship.standard).duties)
    return [
        DutyRow(
            duty=duty,
            covered=duty.covered,
            total=duty.total,
            status=duty.status,
            scan_mean=means.get(duty.pk),
            sign_off=signed.get(duty.pk),
            worked=duty.worked,
        )
        for duty in duties
    ]


def with_links(items):
    """Each piece of evidence with ``link``, what its URL points at."""
    for item in items:
        item.link = describe_link(item.url)
    return items


def with_ksbs(items, structure):
    """Each piece of evidence with ``ksb_list``, its KSBs in code order, from one query of the
    links and the standard's structure (no KSB objects built per request). A KSB of another
    standard (evidence kept from an earlier version) is read from the database, listed last."""
    known = {ksb.pk: ksb for ksb in structure.ksbs}
    linked = {item.pk: [] for item in items}
    links = Evidence.ksbs.through.objects.filter(evidence_id__in=linked).values_list(
        "evidence_id", "ksb_id"
    )
    for evidence_id, ksb_id in links:
        linked[evidence_id].append(ksb_id)
    others = {pk for pks in linked.values() for pk in pks} - known.keys()
    if others:
        known |= {ksb.pk: ksb for ksb in KSB.objects.filter(pk__in=others)}
    order = {pk: index for index, pk in enumerate([*(k.pk for k in structure.ksbs), *others])}
    for item in items:
        item.ksb_list = [known[pk] for pk in sorted(linked[item.pk], key=order.__getitem__)]
    return items


@dataclass
class QueueItem:
    """A piece of evidence in the employer's queue, read as plain values (no model objects)."""

    pk: int
    title: str
    link: EvidenceLink | None  # what its URL points at
    submitted_at: datetime
    off_the_job_hours: Decimal
    apprentice: str
    ksb_codes: str  # "K1, K4, S2": its KSBs in code order
    page_url: str
    waiting_days: int  # whole days since it was submitted (tracker.rules.waiting_days)

    @property
    def waiting(self):
        return waiting_label(self.waiting_days)


QUEUE_FIELDS = (
    "pk",
    "title",
    "url",
    "submitted_at",
    "off_the_job_hours",
    "apprenticeship__apprentice__full_name",
    "apprenticeship__apprentice__email",
)


def queue_items(rows, today=None):
    """The QueueItems of ``rows``, a page of evidence as QUEUE_FIELDS values: one more query
    (the KSBs of them all) and one reverse for the whole page. ``today`` (default: the local
    date) is what their waiting is counted to."""
    today = today or timezone.localdate()
    rows = list(rows)
    ksbs = {row[0]: [] for row in rows}  # {evidence pk: [(kind's rank, number, kind)]}
    links = Evidence.ksbs.through.objects.filter(evidence_id__in=list(ksbs))
    for evidence_id, kind, number in links.values_list("evidence_id", "ksb__kind", "ksb__number"):
        ksbs[evidence_id].append((KIND_RANK[kind], number, kind))
    page_url = url_for_each("tracker:evidence-detail")
    return [
        QueueItem(
            pk=pk,
            title=title,
            link=describe_link(url),
            submitted_at=submitted_at,
            off_the_job_hours=hours,
            apprentice=User.name_of(full_name, email),
            ksb_codes=", ".join(KSB.code_of(kind, n) for _, n, kind in sorted(ksbs[pk])),
            page_url=page_url(pk),
            waiting_days=waiting_days(submitted_at, today),
        )
        for pk, title, url, submitted_at, hours, full_name, email in rows
    ]


@dataclass
class DutyPage:
    row: DutyRow
    ksb_rows: list
    missing: list
    events: list


def duty_page(apprenticeship, duty):
    """A duty of the apprenticeship (one of its standard's structure): each of its KSBs with
    the evidence mapped to it (not drafts), what is still missing, its status and its sign-off
    history."""
    links = (
        EvidenceKSB.objects.filter(
            ksb_id__in=duty.ksb_ids,
            evidence__apprenticeship=apprenticeship,
            evidence__status__in=ACTIVE_EVIDENCE,
        )
        .select_related("evidence")
        .order_by("-evidence__occurred_on", "-evidence_id")
    )
    evidence_of = {}
    for link in links:
        # Whether this piece counts for this KSB: accepted evidence may not accept all its KSBs.
        link.evidence.ksb_accepted = ksb_accepted(link.evidence.status, link.accepted)
        evidence_of.setdefault(link.ksb_id, []).append(link.evidence)
    ksb_rows = []
    for ksb in duty.ksb_list:
        mapped = evidence_of.get(ksb.pk, [])
        accepted = any(e.ksb_accepted for e in mapped)
        ksb_rows.append({"ksb": ksb, "evidence": mapped, "accepted": accepted})
    accepted = {r["ksb"].pk for r in ksb_rows if r["accepted"]}
    active = {r["ksb"].pk for r in ksb_rows if r["evidence"]}
    events = sign_off_events(apprenticeship, duty)
    sign_off = current_sign_offs_by_duty(events).get(duty.pk)
    row = DutyRow(
        duty=duty,
        covered=len(accepted),
        total=len(duty.ksb_ids),
        status=duty_status(duty.ksb_ids, accepted, active, sign_off is not None),
        scan_mean=latest_scan_means(apprenticeship, [duty])[duty.pk],
        sign_off=sign_off,
        worked=len(active),
    )
    return DutyPage(
        row=row,
        ksb_rows=ksb_rows,
        missing=[r["ksb"] for r in ksb_rows if not r["accepted"]],
        events=events,
    )


@dataclass(frozen=True)
class AcceptedEvidence:
    """A piece of evidence as a page lists it beside a KSB: plain values, no model object."""

    pk: int
    title: str
    occurred_on: date


def accepted_evidence_by_ksb(apprenticeship):
    """{ksb id: [AcceptedEvidence, newest first]}: the apprenticeship's evidence accepted FOR
    each KSB, in one query. KSBs without any are left out.

    Accepted for a KSB is tracker.rules' ACCEPTED_LINK: accepted evidence whose latest
    decision accepted that KSB."""
    links = (
        accepted_links()
        .filter(evidence__apprenticeship_id=apprenticeship.pk)
        .order_by("-evidence__occurred_on", "-evidence_id")
        .values_list("ksb_id", "evidence_id", "evidence__title", "evidence__occurred_on")
    )
    by_ksb = {}
    for ksb_id, pk, title, occurred_on in links:
        by_ksb.setdefault(ksb_id, []).append(AcceptedEvidence(pk, title, occurred_on))
    return by_ksb


EVIDENCE_SORTS = {"newest": ("-occurred_on", "-pk"), "oldest": ("occurred_on", "pk")}


@dataclass
class EvidenceListing:
    evidence: object  # the filtered, sorted queryset
    status: str
    ksbs: list
    ksb: object
    duties: list
    duty: object
    sort: str

    @property
    def filtered(self):
        return bool(self.status or self.ksb or self.duty)


def evidence_listing(apprenticeship, params):
    """The apprenticeship's evidence filtered by status, KSB and duty and sorted as the query
    string asks; anything unknown is ignored. The choices come from the standard's structure
    (built once per process); ``with_ksbs`` gives a page's evidence its KSBs."""
    structure = standard_structure(apprenticeship.standard)
    ksbs, duties = structure.ksbs, structure.duties
    listing = EvidenceListing(
        evidence=apprenticeship.evidence.all(),
        status=choice(params.get("status"), Evidence.Status.values),
        ksbs=ksbs,
        ksb=pick(params.get("ksb"), ksbs),
        duties=duties,
        duty=pick(params.get("duty"), duties),
        sort=choice(params.get("sort"), EVIDENCE_SORTS, "newest"),
    )
    if listing.status:
        listing.evidence = listing.evidence.filter(status=listing.status)
    if listing.ksb:
        listing.evidence = listing.evidence.filter(ksbs=listing.ksb)
    if listing.duty:
        listing.evidence = listing.evidence.filter(ksbs__duties=listing.duty).distinct()
    listing.evidence = listing.evidence.order_by(*EVIDENCE_SORTS[listing.sort])
    return listing


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
