"""The employer's dashboard: every visible apprenticeship with its progress, computed in the
database from the SQL forms of the rule books, so a page of 25 rows, its counts, its sorting and
its filters take a constant number of queries whether there are 10 or 10,000 rows. The figures
that do not depend on the day are read from each apprenticeship's stored tally (progress.tally),
one row per apprenticeship, so the cost of a request does not grow with each one's history."""

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Apprenticeship, User
from core.tables import choice, pick, sort_value
from tracker.rules import (
    expected_tenths_sql,
    is_on_track,
    is_overdue,
    on_track_sql,
    overdue_sql,
    percent,
    percent_sql,
    review_days_sql,
    target_met_sql,
)

from .rules import attention_reasons, gateway_lines, needs_attention_sql, ready_for_gateway_sql
from .tally import STORED


def _boolean(condition):
    return ExpressionWrapper(condition, output_field=BooleanField())


def _stored(name):
    return F(f"tally__{name}")


@functools.lru_cache(maxsize=2)
def _annotations(today):
    """Every figure the dashboard knows, by name, with the names each one needs first. What
    does not depend on the day is read from the apprenticeship's stored tally (progress.tally
    keeps it exact), so sorting, filtering and counting thousands of rows reads one row each."""
    stored = {name: ((), _stored(name)) for name in STORED}
    return {
        **stored,
        "coverage": (("ksbs_total", "ksbs_covered"), percent_sql("ksbs_covered", "ksbs_total")),
        "expected_tenths": ((), expected_tenths_sql(today)),
        "on_track": (("accepted_hundredths", "expected_tenths"), on_track_sql()),
        "behind": (("on_track",), _boolean(Q(on_track=False))),
        "hours_target_met": (("accepted_hundredths",), target_met_sql()),
        "review_days": ((), review_days_sql(today, _stored("next_review_due_on"))),
        "review_overdue": (("review_days",), overdue_sql()),
        "needs_attention": (
            ("behind", "review_overdue", "evidence_waiting", "scan_waiting"),
            needs_attention_sql(),
        ),
        "ready_for_gateway": (
            (
                "ksbs_total",
                "ksbs_covered",
                "duties_total",
                "duties_signed",
                "hours_target_met",
                "latest_scan_status",
                "latest_review_signed",
                "review_days",
            ),
            ready_for_gateway_sql(),
        ),
    }


# The figures each row of the table is drawn from: one correlated subquery or expression each.
# What follows from them (coverage, on track, overdue, needs attention, ready for gateway) is
# worked out per row by the Python form of the same rules, so no subquery runs twice.
FIGURES = (
    "duties_total",
    "duties_signed",
    "ksbs_total",
    "ksbs_covered",
    "accepted_hundredths",
    "expected_tenths",
    "evidence_waiting",
    "scan_waiting",
    "review_days",
    "latest_scan_status",
    "latest_review_signed",
    "last_activity",
)


def figure_names():
    """Every figure with_progress knows."""
    return tuple(_annotations(date.today()))


def with_progress(queryset, today=None, names=FIGURES, *, select=True):
    """Apprenticeships with the named figures (and those they are computed from); each costs a
    correlated subquery or an expression per row, so ask only for what is used. The named
    figures are selected (``select``) or only aliased, for filtering, sorting and counting;
    the figures they are computed from are aliased, so the database inlines them and can stop
    at the first condition that settles a verdict."""
    known = _annotations(today or date.today())
    order = []

    def visit(name):
        if name not in order:
            for need in known[name][0]:
                visit(need)
            order.append(name)

    for name in names:
        visit(name)
    for name in order:
        add = queryset.annotate if select and name in names else queryset.alias
        queryset = add(**{name: known[name][1]})
    return queryset


# sort key -> the figures to order by (ascending); "-key" reverses them
SORTS = {
    "apprentice": ("apprentice__full_name", "apprentice__email"),
    "standard": ("standard__reference", "standard__version"),
    "month": ("-start_date",),
    "duties": ("duties_signed",),
    "coverage": ("coverage",),
    "hours": ("behind", "accepted_hundredths"),
    "evidence": ("evidence_waiting",),
    "scan": ("scan_waiting",),
    "review": ("review_days",),
    "activity": ("last_activity",),
}
DEFAULT_SORT = "-activity"


def sort_needs(sort):
    """The annotations an ordering needs."""
    known = _annotations(date.today())  # cached: built once a day
    fields = (field.removeprefix("-") for field in SORTS[sort.removeprefix("-")])
    return tuple(field for field in fields if field in known)


def ordering(sort):
    """The ORDER BY for a known sort key such as "coverage" or "-review"."""
    fields = SORTS[sort.removeprefix("-")]
    if sort.startswith("-"):
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return (*fields, "pk")


COUNTED = ("evidence_waiting", "scan_waiting", "review_overdue", "behind", "ready_for_gateway")


def counts(queryset, today=None, filters=None):
    """The numbers at the top of the dashboard, in one query; with ``filters``, also how many
    rows they keep ("shown"), so the table's pages need no count of their own."""
    names, kept = _conditions(filters)
    queryset = with_progress(queryset, today, COUNTED + names)
    # The aliases must differ from the annotations' names, or they would replace them.
    totals = queryset.aggregate(
        n_apprentices=Count("pk"),
        n_shown=Count("pk", filter=kept) if kept else Count("pk"),
        n_evidence=Coalesce(Sum("evidence_waiting"), Value(0)),
        n_scans=Count("pk", filter=Q(scan_waiting=True)),
        n_overdue=Count("pk", filter=Q(review_overdue=True)),
        n_behind=Count("pk", filter=Q(behind=True)),
        n_ready=Count("pk", filter=Q(ready_for_gateway=True)),
    )
    return {
        "apprentices": totals["n_apprentices"],
        "shown": totals["n_shown"],
        "evidence_waiting": totals["n_evidence"],
        "scans_waiting": totals["n_scans"],
        "awaiting": totals["n_evidence"] + totals["n_scans"],
        "reviews_overdue": totals["n_overdue"],
        "behind": totals["n_behind"],
        "ready_for_gateway": totals["n_ready"],
    }


# --- the page: filters from the query string, rows, and what each row shows ----------------------


@dataclass
class Filters:
    status: str
    mentors: list
    mentor: object
    attention: bool
    ready: bool
    sort: str

    @property
    def any(self):
        return bool(self.status or self.mentor or self.attention or self.ready)


def read_filters(params, visible):
    """The dashboard's filters and sort from the query string; anything unknown or tampered
    with falls back to no filter and the default sort."""
    # A semi-join on the mentor column, not a join and DISTINCT over every visible row.
    mentors = list(
        User.objects.filter(pk__in=visible.values("mentor_id")).order_by("full_name", "email")
    )
    return Filters(
        status=choice(params.get("status"), Apprenticeship.Status.values),
        mentors=mentors,
        mentor=pick(params.get("mentor"), mentors),
        attention=params.get("attention") == "1",
        ready=params.get("ready") == "1",
        sort=sort_value(params.get("sort"), SORTS, DEFAULT_SORT),
    )


def _conditions(filters):
    """(the figures the filters need, a Q keeping the rows they keep); nothing for none."""
    names, kept = (), Q()
    if filters is None:
        return names, kept
    if filters.status:
        kept &= Q(status=filters.status)
    if filters.mentor:
        kept &= Q(mentor=filters.mentor)
    if filters.attention:
        names, kept = (*names, "needs_attention"), kept & Q(needs_attention=True)
    if filters.ready:
        names, kept = (*names, "ready_for_gateway"), kept & Q(ready_for_gateway=True)
    return names, kept


def filtered(visible, filters, today):
    """The visible apprenticeships the filters keep, sorted as asked, annotated with only what
    the filtering and sorting need."""
    names, kept = _conditions(filters)
    rows = with_progress(visible, today, names + sort_needs(filters.sort), select=False)
    return rows.filter(kept).order_by(*ordering(filters.sort))


def full_rows(queryset, today, *, stream=True):
    """Rows with every figure the table shows, each ready for the template or the CSV; a
    stream (a server-side cursor on PostgreSQL) for every row, a plain query for a page."""
    rows = with_progress(queryset, today).select_related("apprentice", "standard", "mentor")
    for row in rows.iterator(chunk_size=500) if stream else rows:
        yield _decorate(row, today)


def _decorate(row, today):
    row.month = row.month_of_programme(today)
    row.next_review_on = today + timedelta(days=row.review_days)
    row.accepted_hours = Decimal(row.accepted_hundredths) / 100
    row.expected_hours = Decimal(row.expected_tenths) / 10
    row.coverage = percent(row.ksbs_covered, row.ksbs_total)
    row.behind = not is_on_track(row.accepted_hundredths, row.expected_tenths)
    row.review_overdue = is_overdue(row.review_days)
    row.attention = attention_reasons(
        behind=row.behind,
        review_overdue=row.review_overdue,
        evidence_waiting=row.evidence_waiting,
        scan_waiting=row.scan_waiting,
    )
    row.ready_for_gateway = all(
        gateway_lines(
            ksbs_covered=row.ksbs_covered,
            ksbs_total=row.ksbs_total,
            duties_signed=row.duties_signed,
            duties_total=row.duties_total,
            accepted_hundredths=row.accepted_hundredths,
            target=row.otj_target_hours,
            latest_scan_status=row.latest_scan_status,
            review_signed=row.latest_review_signed,
            review_days=row.review_days,
        )
    )
    return row


def page_rows(pks, today):
    """The rows of one page, in the page's order, with every figure."""
    rows = full_rows(Apprenticeship.objects.filter(pk__in=pks), today, stream=False)
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in pks]


COLUMNS = [
    ("apprentice", "Apprentice"),
    ("standard", "Standard"),
    ("month", "Month"),
    ("duties", "Duties signed off"),
    ("coverage", "KSB coverage"),
    ("hours", "Hours"),
    ("evidence", "Evidence to review"),
    ("scan", "Scan to validate"),
    ("review", "Next review"),
    ("activity", "Last activity"),
]

CSV_HEADER = [
    "apprentice",
    "email",
    "standard",
    "status",
    "month",
    "of months",
    "duties signed off",
    "duties",
    "KSB coverage %",
    "hours accepted",
    "hours expected by today",
    "hours on track",
    "evidence to review",
    "scan to validate",
    "next review",
    "review overdue",
    "needs attention because",
    "ready for gateway",
    "mentor",
    "last activity",
]


def csv_row(row):
    return [
        row.apprentice or "",
        row.apprentice.email if row.apprentice else "",
        f"{row.standard.reference} v{row.standard.version}",
        row.get_status_display(),
        row.month,
        row.duration_months,
        row.duties_signed,
        row.duties_total,
        row.coverage,
        row.accepted_hours,
        row.expected_hours,
        not row.behind,
        row.evidence_waiting,
        row.scan_waiting,
        row.next_review_on,
        row.review_overdue,
        "; ".join(row.attention),
        row.ready_for_gateway,
        row.mentor or "",
        row.last_activity,
    ]
