"""Reads the tracker's pages share: duty rows, a duty's page, evidence lists, weekly hours. The
meaning of every figure is in tracker/rules.py; these only gather, in a constant number of
queries."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.db.models.functions import TruncWeek

from core.tables import choice, pick
from skillscan.rules import latest_scan_query
from skillscan.selectors import agreed_scores, duty_means, one_decimal
from standards.models import KSB, Duty
from standards.selectors import standard_structure

from .links import describe_link
from .models import DutySignOff, Evidence
from .rules import (
    DutyStatus,
    current_sign_offs_by_duty,
    duties_with_progress,
    duty_status,
    evidenced_ksb_ids,
    percent,
)


@dataclass
class DutyRow:
    duty: object
    covered: int
    total: int
    status: str
    scan_mean: Decimal | None
    sign_off: DutySignOff | None = None

    @property
    def percent(self):
        return percent(self.covered, self.total)

    @property
    def status_label(self):
        return DutyStatus(self.status).label

    @property
    def is_signed_off(self):
        return self.status == DutyStatus.SIGNED_OFF


def sign_off_events(apprenticeship, duty=None):
    """The apprenticeship's sign-off events (of one ``duty`` when given), oldest first, with
    who made them."""
    events = apprenticeship.duty_sign_offs.select_related("by").order_by("pk")
    return list(events if duty is None else events.filter(duty=duty))


def duty_rows(structure, *, accepted, active, events, means):
    """A row per duty of ``structure`` from what the caller has loaded (no queries): the
    accepted and active KSB ids, the sign-off events and {duty pk: latest scan mean}. This is
    the Python form of the rules; duty_rows_from_database is the SQL one."""
    signed = current_sign_offs_by_duty(events)
    rows = []
    for duty in structure.duties:
        ksb_ids = {ksb.pk for ksb in duty.ksbs.all()}
        rows.append(
            DutyRow(
                duty=duty,
                covered=len(ksb_ids & accepted),
                total=len(ksb_ids),
                status=duty_status(ksb_ids, accepted, active, duty.pk in signed),
                scan_mean=means.get(duty.pk),
                sign_off=signed.get(duty.pk),
            )
        )
    return rows


def latest_scan_means(apprenticeship, duties):
    """{duty pk: mean agreed score} in the latest scan, one decimal, from two queries."""
    scan = latest_scan_query(apprenticeship).first()
    if scan is None:
        return {}
    means = duty_means(duties, agreed_scores(scan.ratings.all()))
    return {duty.pk: one_decimal(value) for duty, value in means}


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
    means = latest_scan_means(apprenticeship, duties)
    return [
        DutyRow(
            duty=duty,
            covered=duty.covered,
            total=duty.total,
            status=duty.status,
            scan_mean=means.get(duty.pk),
            sign_off=signed.get(duty.pk),
        )
        for duty in duties
    ]


def with_links(items):
    """Each piece of evidence with ``link``, what its URL points at."""
    for item in items:
        item.link = describe_link(item.url)
    return items


@dataclass
class DutyPage:
    row: DutyRow
    ksb_rows: list
    missing: list
    events: list


def duty_page(apprenticeship, duty):
    """A duty of the apprenticeship: each of its KSBs with the evidence mapped to it (not
    drafts), what is still missing, its status and its sign-off history."""
    duty_ksbs = list(duty.ksbs.all())
    evidence = with_links(
        list(
            apprenticeship.evidence.filter(ksbs__in=duty_ksbs)
            .exclude(status=Evidence.Status.DRAFT)
            .prefetch_related("ksbs")
            .distinct()
            .order_by("-occurred_on", "-pk")
        )
    )
    ksb_rows = []
    for ksb in duty_ksbs:
        mapped = [e for e in evidence if ksb in e.ksbs.all()]
        accepted = any(e.status == Evidence.Status.ACCEPTED for e in mapped)
        ksb_rows.append({"ksb": ksb, "evidence": mapped, "accepted": accepted})
    accepted = {r["ksb"].pk for r in ksb_rows if r["accepted"]}
    active = {r["ksb"].pk for r in ksb_rows if r["evidence"]}
    events = sign_off_events(apprenticeship, duty)
    sign_off = current_sign_offs_by_duty(events).get(duty.pk)
    row = DutyRow(
        duty=duty,
        covered=len(accepted),
        total=len(duty_ksbs),
        status=duty_status({k.pk for k in duty_ksbs}, accepted, active, sign_off is not None),
        scan_mean=latest_scan_means(apprenticeship, [duty]).get(duty.pk),
        sign_off=sign_off,
    )
    return DutyPage(
        row=row,
        ksb_rows=ksb_rows,
        missing=[r["ksb"] for r in ksb_rows if not r["accepted"]],
        events=events,
    )


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
    """The apprenticeship's evidence (with its KSBs in code order) filtered by status, KSB and
    duty and sorted as the query string asks; anything unknown is ignored."""
    ksbs = list(KSB.objects.filter(standard_id=apprenticeship.standard_id))
    duties = list(Duty.objects.filter(standard_id=apprenticeship.standard_id))
    listing = EvidenceListing(
        evidence=apprenticeship.evidence.prefetch_related(
            Prefetch("ksbs", queryset=KSB.objects.order_by(*KSB._meta.ordering))
        ),
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
