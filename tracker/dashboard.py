"""The employer's dashboard: every visible apprenticeship with its progress, computed in the
database (correlated subqueries and annotations), so a page of 25 rows, its counts, its sorting
and its filters take a constant number of queries whether there are 10 or 1,000 rows."""

from datetime import UTC, date, datetime, timedelta

from django.db import models
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from skillscan.models import SkillScan
from standards.models import KSB, Duty

from .models import REVIEW_INTERVAL, DutyProgress, Evidence, ProgressReview
from .selectors import ON_TRACK_SHARE

HOURS = DecimalField(max_digits=10, decimal_places=2)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class DaysBetween(models.Func):
    """Whole days from the date ``start`` to the date ``end``, on SQLite and PostgreSQL."""

    output_field = IntegerField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )


def _count(queryset, group, field="pk", distinct=False):
    """Count rows of ``queryset`` (filtered on OuterRef, grouped by ``group``), 0 for none."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values(group)
            .annotate(n=Count(field, distinct=distinct))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _annotations(today):
    """Every annotation the dashboard knows, by name, with the names each one needs first."""
    own = OuterRef("pk")
    total_days = Greatest(DaysBetween(F("planned_end_date"), F("start_date")), Value(1))
    elapsed_days = Least(Greatest(DaysBetween(Value(today), F("start_date")), Value(0)), total_days)
    latest_review_due = Subquery(
        ProgressReview.objects.filter(apprenticeship=own)
        .order_by("-held_on", "-pk")
        .values("next_due_on")[:1]
    )
    last_evidence = Subquery(
        Evidence.objects.filter(apprenticeship=own).order_by("-updated_at").values("updated_at")[:1]
    )
    last_scan = Subquery(
        SkillScan.objects.filter(apprenticeship=own)
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    return {
        "duties_total": (
            (),
            _count(Duty.objects.filter(standard=OuterRef("standard")), "standard"),
        ),
        "duties_signed": (
            (),
            _count(
                DutyProgress.objects.filter(
                    apprenticeship=own, status=DutyProgress.Status.SIGNED_OFF
                ),
                "apprenticeship",
            ),
        ),
        "ksbs_total": ((), _count(KSB.objects.filter(standard=OuterRef("standard")), "standard")),
        "ksbs_covered": (
            (),
            _count(
                Evidence.ksbs.through.objects.filter(
                    evidence__apprenticeship=own, evidence__status=Evidence.Status.ACCEPTED
                ),
                "evidence__apprenticeship",
                field="ksb",
                distinct=True,
            ),
        ),
        "coverage": (
            ("ksbs_total", "ksbs_covered"),
            Case(
                When(ksbs_total=0, then=Value(0.0)),
                default=Cast(F("ksbs_covered"), FloatField())
                * 100.0
                / Cast(F("ksbs_total"), FloatField()),
                output_field=FloatField(),
            ),
        ),
        "hours_accepted": (
            (),
            Coalesce(
                Subquery(
                    Evidence.objects.filter(apprenticeship=own, status=Evidence.Status.ACCEPTED)
                    .order_by()
                    .values("apprenticeship")
                    .annotate(total=Sum("off_the_job_hours"))
                    .values("total")[:1],
                    output_field=HOURS,
                ),
                Value(0, output_field=HOURS),
            ),
        ),
        "hours_expected": (
            (),
            Cast(F("otj_target_hours"), FloatField())
            * Cast(elapsed_days, FloatField())
            / Cast(total_days, FloatField()),
        ),
        "behind": (
            ("hours_accepted", "hours_expected"),
            Case(
                When(
                    hours_accepted__lt=Value(float(ON_TRACK_SHARE)) * F("hours_expected"),
                    then=True,
                ),
                default=False,
                output_field=models.BooleanField(),
            ),
        ),
        "evidence_waiting": (
            (),
            _count(
                Evidence.objects.filter(apprenticeship=own, status=Evidence.Status.SUBMITTED),
                "apprenticeship",
            ),
        ),
        "scan_waiting": (
            (),
            Exists(SkillScan.objects.filter(apprenticeship=own, status=SkillScan.Status.SUBMITTED)),
        ),
        "review_days": (
            (),
            Coalesce(
                DaysBetween(latest_review_due, Value(today)),
                DaysBetween(F("start_date"), Value(today)) + REVIEW_INTERVAL.days,
            ),
        ),
        "review_overdue": (
            ("review_days",),
            Case(
                When(review_days__lt=0, then=True),
                default=False,
                output_field=models.BooleanField(),
            ),
        ),
        "needs_attention": (
            ("behind", "review_overdue", "evidence_waiting", "scan_waiting"),
            Case(
                When(
                    Q(behind=True)
                    | Q(review_overdue=True)
                    | Q(evidence_waiting__gt=0)
                    | Q(scan_waiting=True),
                    then=True,
                ),
                default=False,
                output_field=models.BooleanField(),
            ),
        ),
        "last_activity": (
            (),
            Greatest(
                Coalesce(last_evidence, Value(LONG_AGO)),
                Coalesce(last_scan, Value(LONG_AGO)),
                F("created_at"),
            ),
        ),
    }


ALL = (
    "duties_total",
    "duties_signed",
    "coverage",
    "hours_accepted",
    "hours_expected",
    "behind",
    "evidence_waiting",
    "scan_waiting",
    "review_days",
    "review_overdue",
    "needs_attention",
    "last_activity",
)


def with_progress(queryset, today=None, names=ALL):
    """Annotate apprenticeships with the named figures (and those they are computed from);
    each costs a correlated subquery or an expression per row, so ask only for what is used."""
    known = _annotations(today or date.today())
    done = set()

    def add(qs, name):
        if name in done:
            return qs
        needs, expression = known[name]
        for need in needs:
            qs = add(qs, need)
        done.add(name)
        return qs.annotate(**{name: expression})

    for name in names:
        queryset = add(queryset, name)
    return queryset


# sort key -> the fields to order by (ascending); "-key" reverses them
SORTS = {
    "apprentice": ("apprentice__full_name", "apprentice__email"),
    "standard": ("standard__reference", "standard__version"),
    "month": ("-start_date",),
    "duties": ("duties_signed",),
    "coverage": ("coverage",),
    "hours": ("behind", "hours_accepted"),
    "evidence": ("evidence_waiting",),
    "scan": ("scan_waiting",),
    "review": ("review_days",),
    "activity": ("last_activity",),
}
DEFAULT_SORT = "-activity"


def sort_needs(sort):
    """The annotations an ordering needs."""
    key = sort.removeprefix("-")
    return tuple(
        field.removeprefix("-") for field in SORTS.get(key, ()) if field.removeprefix("-") in ALL
    )


def ordering(sort):
    """The ORDER BY for a sort key such as "coverage" or "-review"; unknown keys fall back."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        return ordering(DEFAULT_SORT)
    fields = SORTS[key]
    if sort.startswith("-"):
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return (*fields, "pk")


COUNTED = ("evidence_waiting", "scan_waiting", "review_overdue", "behind")


def counts(queryset, today=None):
    """The numbers at the top of the dashboard, in one query."""
    queryset = with_progress(queryset, today, COUNTED)
    # The aliases must differ from the annotations' names, or they would replace them.
    totals = queryset.aggregate(
        n_apprentices=Count("pk"),
        n_evidence=Coalesce(Sum("evidence_waiting"), 0),
        n_scans=Count("pk", filter=Q(scan_waiting=True)),
        n_overdue=Count("pk", filter=Q(review_overdue=True)),
        n_behind=Count("pk", filter=Q(behind=True)),
    )
    return {
        "apprentices": totals["n_apprentices"],
        "evidence_waiting": totals["n_evidence"],
        "scans_waiting": totals["n_scans"],
        "awaiting": totals["n_evidence"] + totals["n_scans"],
        "reviews_overdue": totals["n_overdue"],
        "behind": totals["n_behind"],
    }


def next_review_date(row, today=None):
    return (today or date.today()) + timedelta(days=row.review_days)
