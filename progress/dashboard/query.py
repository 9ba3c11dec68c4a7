"""The dashboard's query: which rows, in which order, and the numbers above them.

Sorting, filtering and counting read one narrow table, progress.Tally: a row per apprenticeship
that holds who may see it, what the table sorts on, the rule book's figures that do not depend
on the day, and for those that do, the day from which they hold (progress.tally keeps it exact).
So a manager's 10,000 apprenticeships are counted in one pass of that table with date
comparisons, and their first page in the default order is a walk of an index that stops after
25 rows. Only the page's rows are then loaded (rows.py)."""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.core.cache import caches
from django.db.models import BooleanField, Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from accounts.models import Apprenticeship, User
from accounts.permissions import Action, apprenticeships_where, deciders_where
from core.tables import choice, pick, sort_value
from tracker.rules import behind_q, overdue_q, review_days_sql

from ..models import SORTS, OrganisationStamp, Tally, sorted_by
from ..rules import ATTENTION, attention_conditions, needs_attention_q, ready_for_gateway_q


def visible_tallies(user):
    """The tallies of the apprenticeships ``user`` sees: visible_to, on the copied columns."""
    return Tally.objects.filter(apprenticeships_where(user))


def _boolean(condition):
    """A condition as a true-or-false column (never NULL, so it sorts as False)."""
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _figures(today):
    """{name: SQL expression} of the figures that depend on the day, on a Tally row."""
    return {
        "behind": _boolean(behind_q(today)),
        "review_overdue": _boolean(overdue_q(today)),
        "review_days": review_days_sql(today),
        "needs_attention": _boolean(needs_attention_q(today)),
        "ready_for_gateway": _boolean(ready_for_gateway_q(today)),
    }


FIGURES = ("behind", "review_overdue", "review_days", "needs_attention", "ready_for_gateway")


def with_progress(tallies, today=None, names=FIGURES):
    """Tallies annotated with the named figures for ``today`` (the stored ones need nothing)."""
    figures = _figures(today or date.today())
    return tallies.annotate(**{name: figures[name] for name in names})


DEFAULT_SORT = "-activity"


def ordering(sort):
    """The ORDER BY for a known sort key such as "coverage" or "-review": the order of the
    sort's index, read either way. An empty value (never behind, an invited apprentice's name)
    counts as the largest, on every database."""
    reverse = sort.startswith("-")
    columns = []
    for field in sorted_by(sort.removeprefix("-")):
        descending = field.startswith("-") is not reverse
        column = F(field.removeprefix("-"))
        columns.append(column.desc(nulls_first=True) if descending else column.asc(nulls_last=True))
    return columns


# --- the page: filters from the query string, counts, rows -------------------------------------


def conditions(today):
    """{name: Q} of the dashboard's "only" filters on ``today``: the needs-attention reasons
    (progress.rules), needs attention at all, and ready for gateway. Each count at the top of
    the page counts the rows of one condition, and links to the filter of the same condition:
    one definition, so a card's number is the number of rows its link lists."""
    return {
        **attention_conditions(today),
        "attention": needs_attention_q(today),
        "ready": ready_for_gateway_q(today),
    }


ONLY = ("attention", *ATTENTION, "ready")
ONLY_LABELS = {
    "attention": "Needs attention",
    "overdue": "Review overdue",
    "behind": "Behind on hours",
    "evidence": "Evidence to review",
    "scan": "Scan to validate",
    "ready": "Ready for gateway",
}


@dataclass
class Filters:
    status: str
    mentors: list
    mentor: object
    only: tuple  # names of the conditions every row must meet (see ONLY)
    sort: str

    @property
    def any(self):
        return bool(self.status or self.mentor or self.only)


def _kept(filters, today, *, mentor=True):
    """A Q keeping the rows the filters keep (the mentor's only when ``mentor``)."""
    kept = Q()
    if filters.status:
        kept &= Q(status=filters.status)
    these = conditions(today)
    for name in filters.only:
        kept &= these[name]
    if mentor and filters.mentor:
        kept &= Q(mentor=filters.mentor)
    return kept


def read_filters(params, mentors):
    """The dashboard's filters and sort from the query string; anything unknown or tampered
    with (a mentor not among ``mentors``, a condition other than "1") falls back to no filter
    and the default sort."""
    return Filters(
        status=choice(params.get("status"), Apprenticeship.Status.values),
        mentors=mentors,
        mentor=pick(params.get("mentor"), mentors),
        only=tuple(name for name in ONLY if params.get(name) == "1"),
        sort=sort_value(params.get("sort"), SORTS, DEFAULT_SORT),
    )


def mentors_of(tallies):
    """The people who mentor any of ``tallies``, by name."""
    return list(User.objects.filter(pk__in=tallies.values("mentor")).order_by("full_name", "email"))


def counts(user, tallies, params, today):
    """(the numbers at the top of the dashboard, the filters of the query string ``params``)
    from one pass over ``user``'s visible ``tallies``, grouped by mentor: the groups give the
    mentor filter its choices, and their sums give the totals and how many rows the filters
    keep ("shown"), so the table's pages need no count of their own.

    The groups are kept in the process's own cache (read on every page, they must cost no
    query) under the stamps of the organisations counted (see OrganisationStamp), the day and
    the filters: until a tally of those organisations changes, which moves a stamp in its own
    transaction, the next request reads them instead of every row again."""
    filters = read_filters(params, [])
    key = _groups_key(user, filters, today)
    groups = caches["local"].get(key)
    if groups is None:
        groups = _groups(tallies, _kept(filters, today, mentor=False), today)
        caches["local"].set(key, groups, GROUPS_KEPT_SECONDS)
    mentor_ids = [group["mentor"] for group in groups if group["mentor"] is not None]
    filters = read_filters(
        params, list(User.objects.filter(pk__in=mentor_ids).order_by("full_name", "email"))
    )
    names = ("apprentices", *ONLY)
    counts = {name: sum(group[name] for group in groups) for name in names}
    counts["shown"] = sum(
        group["shown"]
        for group in groups
        if filters.mentor is None or group["mentor"] == filters.mentor.pk
    )
    return counts, filters


# Stamps move on with every change, so a kept count is never stale: this only lets old ones go.
GROUPS_KEPT_SECONDS = 60 * 60


def _groups(tallies, kept, today):
    return list(
        tallies.order_by()
        .values("mentor")
        .annotate(
            apprentices=Count("pk"),
            shown=Count("pk", filter=kept) if kept else Count("pk"),
            **{name: Count("pk", filter=q) for name, q in conditions(today).items()},
        )
    )


def _stamps_seen_by(user):
    """The stamps of every organisation whose tallies ``user`` may see (all, for a superuser),
    as [(organisation id, version)], read in one query."""
    stamps = OrganisationStamp.objects.order_by("pk").values_list("pk", "version")
    if not user.is_superuser:
        own = Tally.objects.filter(apprentice=user).values("organisation")
        stamps = stamps.filter(Q(pk__in=list(user.organisation_roles)) | Q(pk__in=own))
    return list(stamps)


def _key(prefix, user, *more):
    """A cache key for what ``user`` sees: who they are, what they see through (their
    memberships), ``more``, and the stamps of what they may see."""
    seen = (
        user.pk,
        user.is_superuser,
        sorted(user.organisation_roles.items()),
        *more,
        _stamps_seen_by(user),
    )
    return f"{prefix}:" + hashlib.sha256(repr(seen).encode()).hexdigest()


def _groups_key(user, filters, today):
    """The cache key of ``user``'s counts: who they are, what they see through (memberships and
    their providers' partnerships), the filters, the day, and the stamps of every organisation
    whose tallies they may see."""
    return _key(
        "dashboard:groups",
        user,
        partnerships_seen_by(user),
        (filters.status, filters.only),
        today.isoformat(),
    )


def partnerships_seen_by(user):
    """The employers each of ``user``'s training providers is in partnership with (they say
    which of a provider's tallies its people see), for a cache key; no query for anyone who
    is not a member of a provider."""
    return sorted((pk, sorted(ids)) for pk, ids in user.partner_employers.items())


def evidence_waiting_for(user):
    """How many pieces of evidence wait for ``user`` (the evidence queue's length): the sum of
    the tallies of the apprenticeships on which they may decide evidence (the employer's choice
    of who decides applied), kept in the cache under the same stamps as the dashboard's counts,
    so it is read again only after a change."""
    key = _key("queue:evidence", user)
    waiting = caches["local"].get(key)
    if waiting is None:
        waiting = Tally.objects.filter(deciders_where(user, Action.DECIDE_EVIDENCE)).aggregate(
            waiting=Coalesce(Sum("evidence_waiting"), Value(0))
        )["waiting"]
        caches["local"].set(key, waiting, GROUPS_KEPT_SECONDS)
    return waiting


def filtered(tallies, filters, today):
    """The tallies the filters keep, sorted as asked."""
    return tallies.filter(_kept(filters, today)).order_by(*ordering(filters.sort))


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
