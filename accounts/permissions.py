"""Who may do what: a user's role on an apprenticeship or an organisation, and one table of
which role may take which action. Views, services, templates and the permission walk of the
tests all ask this module; nothing else decides.

Roles come from relationships, never from flags:

- apprentice: the apprenticeship names the user as its apprentice. This role wins over every
  other, so nobody supervises their own apprenticeship, whatever else they are;
- admin: a superuser (staff of the service);
- manager: a manager of the apprenticeship's organisation;
- mentor: the apprenticeship names the user as its mentor *and* the user is still a member of
  its organisation; a membership that ends takes the rights with it at once.

A user with no role on an apprenticeship does not see it at all (404, never 403). Room is left
for more roles (a training provider's tutor, an end-point assessor): add the role, its rule in
``role_of`` and its SQL twin in ``_role_conditions``, and its line in ``PERMISSIONS``; the
permission walk fails until every URL has an expectation for it.
"""

import functools

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Apprenticeship, Membership, Organisation, User


class Role(models.TextChoices):
    APPRENTICE = "apprentice", "the apprentice"
    MENTOR = "mentor", "the mentor"
    MANAGER = "manager", "a manager of the organisation"
    ADMIN = "admin", "a service admin"

    @property
    def is_apprentice(self):
        return self == Role.APPRENTICE

    @property
    def can(self):
        """{action: bool} for templates: ``{% if role.can.decide_evidence %}``."""
        return _flags(self)


class Action(models.TextChoices):
    # On an apprenticeship
    VIEW = "view", "see the apprenticeship and its records"
    EXPORT = "export", "download its portfolio and scans"
    RATE = "rate", "start a skills scan and rate it"
    SUBMIT_SCAN = "submit_scan", "submit a skills scan"
    VALIDATE_SCAN = "validate_scan", "validate a skills scan"
    LOG_EVIDENCE = "log_evidence", "log, change, submit and delete evidence"
    DECIDE_EVIDENCE = "decide_evidence", "accept evidence or ask for changes"
    WITHDRAW_EVIDENCE = "withdraw_evidence", "withdraw submitted evidence before it is decided"
    COMMENT_ON_EVIDENCE = "comment_on_evidence", "comment on submitted evidence"
    SIGN_OFF_DUTY = "sign_off_duty", "sign off a duty or undo a sign-off"
    RECORD_REVIEW = "record_review", "record a progress review and sign it for the employer"
    COUNTERSIGN_REVIEW = "countersign_review", "add comments to a progress review and sign it"
    EDIT_APPRENTICESHIP = "edit_apprenticeship", "change the mentor, dates and hours"
    MARK_GATEWAY = "mark_gateway", "mark the apprenticeship at gateway"
    CHANGE_STATUS = "change_status", "pause, resume, withdraw or complete the apprenticeship"
    MOVE_STANDARD = (
        "move_standard",
        "move the apprenticeship to a newer version of its standard",
    )
    JOIN = "join", "start the apprenticeship by accepting its invitation"
    # On an organisation
    SEE_ORGANISATION = "see_organisation", "see the organisation's people and invitations"
    MANAGE_PEOPLE = "manage_people", "invite people, resend and revoke invitations"


EMPLOYER = frozenset({Role.MENTOR, Role.MANAGER, Role.ADMIN})
EVERYONE = frozenset(Role)

# The one table: which roles may take each action.
PERMISSIONS = {
    Action.VIEW: EVERYONE,
    Action.EXPORT: EVERYONE,
    Action.RATE: frozenset({Role.APPRENTICE}),
    Action.SUBMIT_SCAN: frozenset({Role.APPRENTICE}),
    Action.VALIDATE_SCAN: EMPLOYER,
    Action.LOG_EVIDENCE: frozenset({Role.APPRENTICE}),
    Action.DECIDE_EVIDENCE: EMPLOYER,
    Action.WITHDRAW_EVIDENCE: frozenset({Role.APPRENTICE}),
    Action.COMMENT_ON_EVIDENCE: EVERYONE,
    Action.SIGN_OFF_DUTY: EMPLOYER,
    Action.RECORD_REVIEW: EMPLOYER,
    Action.COUNTERSIGN_REVIEW: frozenset({Role.APPRENTICE}),
    Action.EDIT_APPRENTICESHIP: frozenset({Role.MANAGER, Role.ADMIN}),
    Action.MARK_GATEWAY: EMPLOYER,
    Action.CHANGE_STATUS: frozenset({Role.MANAGER, Role.ADMIN}),
    Action.MOVE_STANDARD: frozenset({Role.MANAGER, Role.ADMIN}),
    Action.JOIN: frozenset({Role.APPRENTICE}),
    Action.SEE_ORGANISATION: EMPLOYER,
    Action.MANAGE_PEOPLE: frozenset({Role.MANAGER, Role.ADMIN}),
}
ORGANISATION_ACTIONS = frozenset({Action.SEE_ORGANISATION, Action.MANAGE_PEOPLE})


@functools.cache
def _flags(role):
    return {action.value: may(role, action) for action in Action}


def may(role, action):
    """May ``role`` (a Role or None) take ``action``?"""
    return role is not None and role in PERMISSIONS[action]


def who_may(action):
    """The roles allowed ``action``, in words: "the mentor, a manager of the organisation or a
    service admin"."""
    labels = [role.label for role in Role if role in PERMISSIONS[action]]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


class NotAllowed(PermissionDenied):
    """The user sees the object but their role may not take the action (a 403)."""

    def __init__(self, action):
        self.action = action
        super().__init__(f"Only {who_may(action)} may {action.label}.")


def require(role, action):
    """Raise NotAllowed unless ``role`` may take ``action``."""
    if not may(role, action):
        raise NotAllowed(action)


# --- a user's role ---------------------------------------------------------------------------

_NOT_LOADED = object()


def _is_active(user):
    return user.is_authenticated and user.is_active


def _membership_role(user, organisation_id):
    """The user's membership role at the organisation, from the memberships their user object
    reads once per request (the navigation asks for them on every page anyway)."""
    return user.organisation_roles.get(organisation_id)


def _membership_role_now(user, organisation_id):
    """The user's membership role at the organisation as the database has it this moment."""
    return (
        Membership.objects.filter(user=user, organisation_id=organisation_id)
        .values_list("role", flat=True)
        .order_by("pk")  # one at most; Membership's own ordering would join the user
        .first()
    )


def role_of(user, apprenticeship, *, member_role=_NOT_LOADED):
    """The user's role on the apprenticeship, or None when they have none (and so must not
    see it). ``member_role`` is the user's membership role at the apprenticeship's organisation
    (None for no membership) when the caller has it already; otherwise it is read from the
    user's memberships, which the user object reads once."""
    if not _is_active(user):
        return None
    if apprenticeship.apprentice_id == user.pk:
        return Role.APPRENTICE
    if user.is_superuser:
        return Role.ADMIN
    if member_role is _NOT_LOADED:
        member_role = _membership_role(user, apprenticeship.organisation_id)
    if member_role == Membership.Role.MANAGER:
        return Role.MANAGER
    if member_role is not None and apprenticeship.mentor_id == user.pk:
        return Role.MENTOR
    return None


def role_on_organisation(user, organisation, *, member_role=_NOT_LOADED):
    """The user's role at the organisation: admin for a superuser, else manager or mentor as
    a member; None for anyone else."""
    if not _is_active(user):
        return None
    if user.is_superuser:
        return Role.ADMIN
    if member_role is _NOT_LOADED:
        member_role = _membership_role(user, organisation.pk)
    return None if member_role is None else Role(member_role)


# --- the same rules in SQL ------------------------------------------------------------------


def _organisation_ids(user):
    """(ids of the organisations ``user`` manages, ids of every one they are a member of), from
    the memberships read once per request, so the conditions below compare each row with
    constants: the database answers that with a cheaper test per row than a subquery (half
    the time at 10,000 rows)."""
    roles = user.organisation_roles
    managed = [pk for pk, role in roles.items() if role == Membership.Role.MANAGER]
    return managed, list(roles)


def _role_conditions(user):
    """{role: Q} selecting the apprenticeships on which ``user`` has exactly that role: the SQL
    twin of ``role_of``, tested against it. It reads the fields every model that copies an
    apprenticeship's people names the same way (the dashboard's tally)."""
    if not _is_active(user):
        return {}
    own = Q(apprentice=user)
    if user.is_superuser:
        return {Role.APPRENTICE: own, Role.ADMIN: ~own}
    managed_ids, member_ids = _organisation_ids(user)
    managed = Q(organisation_id__in=managed_ids)
    member = Q(organisation_id__in=member_ids)
    return {
        Role.APPRENTICE: own,
        Role.MANAGER: ~own & managed,
        Role.MENTOR: ~own & ~managed & member & Q(mentor=user),
    }


def _any_role_conditions(user):
    """The same union as every role of _role_conditions together, without the exclusions that
    make each role exact: simpler SQL, which the database answers with fewer tests per row."""
    if not _is_active(user):
        return []
    if user.is_superuser:
        return [Q()]
    managed_ids, member_ids = _organisation_ids(user)
    conditions = [Q(apprentice=user)]
    if managed_ids:
        conditions.append(Q(organisation_id__in=managed_ids))
    if member_ids:
        conditions.append(Q(mentor=user, organisation_id__in=member_ids))
    return conditions


def apprenticeships_where(user, roles=EVERYONE):
    """A Q for the apprenticeships on which ``user`` has one of ``roles``."""
    if set(roles) >= EVERYONE:
        conditions = _any_role_conditions(user)
    else:
        conditions = [q for role, q in _role_conditions(user).items() if role in roles]
    if not conditions:
        return Q(pk__in=[])
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def organisations_where(user, roles=EVERYONE):
    """A Q for the organisations at which ``user`` has one of ``roles``: the SQL twin of
    ``role_on_organisation``."""
    if not _is_active(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q() if Role.ADMIN in roles else Q(pk__in=[])
    member_roles = {role.value for role in roles if role in (Role.MANAGER, Role.MENTOR)}
    # The memberships read once per request, as constants (see _organisation_ids).
    return Q(pk__in=[pk for pk, role in user.organisation_roles.items() if role in member_roles])


def roles_allowed(action):
    """The roles that may take ``action``."""
    return PERMISSIONS[action]


def managers_of(apprenticeship):
    """The active users whose role on the apprenticeship is manager (for telling them
    something): role_of read the other way round."""
    managers = User.objects.filter(
        is_active=True,
        memberships__organisation_id=apprenticeship.organisation_id,
        memberships__role=Membership.Role.MANAGER,
    )
    if apprenticeship.apprentice_id:
        managers = managers.exclude(pk=apprenticeship.apprentice_id)
    return managers


# --- the entry points of every view ---------------------------------------------------------


def _require_role(role, action):
    """404 for no role at all (the object is not even confirmed to exist), 403 for a role that
    may not take ``action``."""
    if role is None:
        raise Http404
    require(role, action)


def get_apprenticeship_for(user, pk, *, action=Action.VIEW, queryset=None):
    """(the apprenticeship ``pk``, the user's role on it): 404 when the user has no role on it
    (or it does not exist), 403 when their role may not take ``action``. One query: the row
    and the user's memberships (read once per request), from which role_of decides."""
    queryset = Apprenticeship.objects.all() if queryset is None else queryset
    apprenticeship = get_object_or_404(queryset, pk=pk)
    role = role_of(user, apprenticeship)
    _require_role(role, action)
    return apprenticeship, role


def get_record_for(user, queryset, *, action=Action.VIEW, **lookup):
    """(a record of an apprenticeship, such as a piece of evidence, a scan or a review, and the
    user's role on its apprenticeship): 404 and 403 as for get_apprenticeship_for. The
    queryset's model has an ``apprenticeship`` foreign key."""
    record = get_object_or_404(queryset.select_related("apprenticeship"), **lookup)
    role = role_of(user, record.apprenticeship)
    _require_role(role, action)
    return record, role


def get_organisation_for(user, pk, *, action=Action.SEE_ORGANISATION):
    """(the organisation ``pk``, the user's role there): 404 for someone with no role there,
    403 when their role may not take ``action``."""
    organisation = get_object_or_404(Organisation, pk=pk)
    role = role_on_organisation(user, organisation)
    _require_role(role, action)
    return organisation, role


def check(user, apprenticeship, action):
    """For services: the user's role on ``apprenticeship``, asked of the database now (so a
    membership ended a moment ago counts), raising NotAllowed unless it may take ``action``."""
    role = role_of(
        user,
        apprenticeship,
        member_role=_membership_role_now(user, apprenticeship.organisation_id),
    )
    require(role, action)
    return role


# --- the table in words ---------------------------------------------------------------------


def markdown_table():
    """The permission table as the README shows it: a row per action, a column per role."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        marks = " | ".join("yes" if may(role, action) else "" for role in roles)
        lines.append(f"| {action.label} | {marks} |")
    return "\n".join(lines)
