"""The training provider's caseload: the employer's dashboard (the same counts, reasons, sorts
and pages, on the same stored tally) over the apprenticeships a tutor or a provider manager
sees, across every employer, with an employer filter and, for a provider manager, a tutor
filter. Who sees which rows is the permission layer's SQL twin, applied to the tally."""

from dataclasses import dataclass

from django.core.cache import caches
from django.db.models import Count, Q

from accounts.models import Apprenticeship, Organisation, User
from accounts.permissions import Action, Role, apprenticeships_where, require, roles_allowed
from core.tables import choice, pick, sort_value

from ..models import SORTS, Tally
from .query import (
    DEFAULT_SORT,
    GROUPS_KEPT_SECONDS,
    ONLY,
    _key,
    conditions,
    ordering,
    partnerships_seen_by,
)
from .rows import CSV_HEADER, csv_row


def caseload_role(user):
    """The user's role for the caseload (admin, provider manager or tutor), raising NotAllowed
    (a 403) for anyone whose roles may not see it: employers' people and apprentices. Read
    from the memberships the user object reads once per request."""
    if user.is_superuser:
        role = Role.ADMIN
    else:
        roles = set(user.provider_roles.values())
        role = (
            Role.PROVIDER_MANAGER
            if "manager" in roles
            else Role.TUTOR
            if "tutor" in roles
            else None
        )
    require(role, Action.SEE_CASELOAD)
    return role


def caseload_tallies(user):
    """The tallies of the apprenticeships on ``user``'s caseload: those on which their role is
    one that may see the caseload (tutor, provider manager, admin)."""
    return Tally.objects.filter(apprenticeships_where(user, roles_allowed(Action.SEE_CASELOAD)))


@dataclass
class CaseloadFilters:
    status: str
    employers: list
    employer: object
    tutors: list
    tutor: object
    only: tuple  # names of the conditions every row must meet (see query.ONLY)
    sort: str

    @property
    def any(self):
        return bool(self.status or self.employer or self.tutor or self.only)

    @property
    def narrowed(self):
        """Filtered by anything but the "only" conditions."""
        return bool(self.status or self.employer or self.tutor)


def read_caseload_filters(params, employers=(), tutors=()):
    """The caseload's filters and sort from the query string; an employer or tutor not among
    the choices, or anything else tampered with, falls back to no filter and the default
    sort."""
    return CaseloadFilters(
        status=choice(params.get("status"), Apprenticeship.Status.values),
        employers=list(employers),
        employer=pick(params.get("employer"), employers),
        tutors=list(tutors),
        tutor=pick(params.get("tutor"), tutors),
        only=tuple(name for name in ONLY if params.get(name) == "1"),
        sort=sort_value(params.get("sort"), SORTS, DEFAULT_SORT),
    )


def _kept(filters, today, *, people=True):
    """A Q keeping the rows the filters keep (the employer's and tutor's only when ``people``)."""
    kept = Q()
    if filters.status:
        kept &= Q(status=filters.status)
    these = conditions(today)
    for name in filters.only:
        kept &= these[name]
    if people and filters.employer:
        kept &= Q(organisation=filters.employer)
    if people and filters.tutor:
        kept &= Q(tutor=filters.tutor)
    return kept


def _choices(groups):
    """(the employers, the tutors) of the counted groups, by name: two queries, whatever the
    number of rows."""
    employer_ids = {group["organisation"] for group in groups}
    tutor_ids = {group["tutor"] for group in groups} - {None}
    employers = list(Organisation.objects.filter(pk__in=employer_ids).order_by("name", "pk"))
    tutors = (
        list(User.objects.filter(pk__in=tutor_ids).order_by("full_name", "email"))
        if tutor_ids
        else []
    )
    return employers, tutors


def caseload_counts(user, tallies, params, today):
    """(the numbers at the top of the caseload, its filters) from one pass over ``tallies``
    grouped by employer and tutor: the groups give the employer and tutor filters their
    choices, and their sums the totals and how many rows the filters keep ("shown").

    Kept in the process's cache as the dashboard's counts are, under the stamps of the user's
    organisations (a tally's provider's stamp moves with it, see progress.tally) and the
    employers their providers are in partnership with, which say who sees what."""
    filters = read_caseload_filters(params)
    key = _key(
        "caseload:groups",
        user,
        partnerships_seen_by(user),
        (filters.status, filters.only),
        today.isoformat(),
    )
    groups = caches["local"].get(key)
    if groups is None:
        groups = _groups(tallies, _kept(filters, today, people=False), today)
        caches["local"].set(key, groups, GROUPS_KEPT_SECONDS)
    filters = read_caseload_filters(params, *_choices(groups))
    names = ("apprentices", *ONLY)
    counts = {name: sum(group[name] for group in groups) for name in names}
    counts["shown"] = sum(
        group["shown"]
        for group in groups
        if (filters.employer is None or group["organisation"] == filters.employer.pk)
        and (filters.tutor is None or group["tutor"] == filters.tutor.pk)
    )
    return counts, filters


def _groups(tallies, kept, today):
    return list(
        tallies.order_by()
        .values("organisation", "tutor")
        .annotate(
            apprentices=Count("pk"),
            shown=Count("pk", filter=kept) if kept else Count("pk"),
            **{name: Count("pk", filter=q) for name, q in conditions(today).items()},
        )
    )


def caseload_filtered(tallies, filters, today):
    """The tallies the filters keep, sorted as asked."""
    return tallies.filter(_kept(filters, today)).order_by(*ordering(filters.sort))


def caseload_filters_for_csv(tallies, params):
    """The filters of the query string, their employer and tutor choices read from the rows
    (not from the kept counts): two small queries."""
    groups = list(tallies.order_by().values("organisation", "tutor").distinct())
    return read_caseload_filters(params, *_choices(groups))


CASELOAD_CSV_HEADER = [*CSV_HEADER, "employer", "tutor"]


def caseload_csv_row(row):
    return [*csv_row(row), row.employer, row.tutor]
