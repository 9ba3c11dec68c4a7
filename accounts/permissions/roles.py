"""A user's role on an apprenticeship or an organisation, and the same rules in SQL (see the
package's docstring)."""

from datetime import date

from django.db.models import Q

from ..models import Apprenticeship, AssessorAccess, Membership, Organisation, Partnership, User
from .table import EVERYONE, SHARED_DECISIONS, Role, may

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


def _provider_has_access(apprenticeship, partner_employers):
    """Whether the apprenticeship's provider may act on it: in an active partnership with its
    employer (``partner_employers``: the employers the provider is partnered with), or the
    apprenticeship is completed (its record stays with those who delivered it)."""
    return (
        apprenticeship.organisation_id in partner_employers
        or apprenticeship.status == Apprenticeship.Status.COMPLETED
    )


def _provider_role(user, apprenticeship, provider_role, partner_employers):
    """The provider role of ``user`` (membership role ``provider_role`` at the apprenticeship's
    provider, or None), or None."""
    if provider_role is None or not _provider_has_access(apprenticeship, partner_employers):
        return None
    if provider_role == Membership.Role.MANAGER:
        return Role.PROVIDER_MANAGER
    if provider_role == Membership.Role.TUTOR and apprenticeship.tutor_id == user.pk:
        return Role.TUTOR
    return None


def open_assessor_access(user):
    """{apprenticeship id: AssessorAccess id}: the end-point assessor access ``user`` holds
    today (accepted, not revoked, ``expires_on`` today or later), read once per user object
    and only when asked (role_of asks only when the user has no other role)."""
    cached = user.__dict__.get("_open_assessor_access")
    if cached is None:
        cached = dict(
            _open_access(user).order_by("expires_on", "pk").values_list("apprenticeship_id", "pk")
        )
        user.__dict__["_open_assessor_access"] = cached
    return cached


def _open_access(user, today=None):
    """The AssessorAccess rows that give ``user`` the assessor role on ``today``."""
    return AssessorAccess.objects.filter(
        assessor_id=user.pk,
        accepted_at__isnull=False,
        revoked_at__isnull=True,
        expires_on__gte=today or date.today(),
    )


def role_of(user, apprenticeship, *, member_role=_NOT_LOADED, provider=_NOT_LOADED):
    """The user's role on the apprenticeship, or None when they have none (and so must not
    see it). ``member_role`` is the user's membership role at the apprenticeship's organisation
    (None for no membership) and ``provider`` a pair (membership role at its provider or None,
    the employers that provider is partnered with) when the caller has them already; otherwise
    they are read from what the user object reads once per request.

    The end-point assessor's role (open assessor access, and no other role) is looked for only
    on that per-request path: callers that pass what they read themselves (notifications, the
    services' ``check``) ask about the parties, and an assessor is none of them."""
    if not _is_active(user):
        return None
    if apprenticeship.apprentice_id == user.pk:
        return Role.APPRENTICE
    if user.is_superuser:
        return Role.ADMIN
    per_request = member_role is _NOT_LOADED
    if per_request:
        member_role = _membership_role(user, apprenticeship.organisation_id)
    if member_role == Membership.Role.MANAGER:
        return Role.MANAGER
    if member_role is not None and apprenticeship.mentor_id == user.pk:
        return Role.MENTOR
    role = None
    if apprenticeship.provider_id:
        if provider is _NOT_LOADED:
            provider = (
                user.provider_roles.get(apprenticeship.provider_id),
                user.partner_employers.get(apprenticeship.provider_id, frozenset()),
            )
        role = _provider_role(user, apprenticeship, *provider)
    if role is None and per_request and apprenticeship.pk in open_assessor_access(user):
        return Role.ASSESSOR
    return role


def _provider_now(user, apprenticeship):
    """(membership role at the apprenticeship's provider, its partner employers), as the
    database has them this moment."""
    if not apprenticeship.provider_id:
        return None, frozenset()

    role = _membership_role_now(user, apprenticeship.provider_id)
    if role is None:
        return None, frozenset()
    partnered = (
        Partnership.objects.active()
        .filter(provider_id=apprenticeship.provider_id, employer_id=apprenticeship.organisation_id)
        .exists()
    )
    return role, frozenset({apprenticeship.organisation_id} if partnered else ())


def role_on_organisation(user, organisation, *, member_role=_NOT_LOADED):
    """The user's role at the organisation: admin for a superuser, else manager or mentor as
    a member of an employer, provider manager or tutor as a member of a provider; None for
    anyone else."""
    if not _is_active(user):
        return None
    if user.is_superuser:
        return Role.ADMIN
    if member_role is _NOT_LOADED:
        member_role = _membership_role(user, organisation.pk)
    if member_role is None:
        return None
    return _organisation_role(member_role, organisation.kind)


# --- the same rules in SQL ------------------------------------------------------------------


def _organisation_ids(user):
    """(ids of the organisations ``user`` manages, ids of every one they are a member of), from
    the memberships read once per request, so the conditions below compare each row with
    constants: the database answers that with a cheaper test per row than a subquery (half
    the time at 10,000 rows)."""
    roles = user.organisation_roles
    managed = [pk for pk, role in roles.items() if role == Membership.Role.MANAGER]
    return managed, list(roles)


def _provider_access(user, roles):
    """A Q for the apprenticeships delivered by the providers at which ``user`` has one of the
    membership ``roles``, where the provider may act (see _provider_has_access), or None."""
    access = None
    for provider_id, role in user.provider_roles.items():
        if role not in roles:
            continue
        partners = user.partner_employers.get(provider_id, frozenset())
        condition = Q(provider_id=provider_id) & (
            Q(organisation_id__in=sorted(partners)) | Q(status=Apprenticeship.Status.COMPLETED)
        )
        access = condition if access is None else access | condition
    return access


def _role_conditions(user):
    """{role: Q} selecting the apprenticeships on which ``user`` has exactly that role: the SQL
    twin of ``role_of``, tested against it. It reads the fields every model that copies an
    apprenticeship's people names the same way (the dashboard's tally): apprentice, mentor,
    tutor, organisation, provider and status."""
    if not _is_active(user):
        return {}
    own = Q(apprentice=user)
    if user.is_superuser:
        return {Role.APPRENTICE: own, Role.ADMIN: ~own}
    managed_ids, member_ids = _organisation_ids(user)
    managed = Q(organisation_id__in=managed_ids)
    member = Q(organisation_id__in=member_ids)
    mentor = ~own & ~managed & member & Q(mentor=user)
    conditions = {
        Role.APPRENTICE: own,
        Role.MANAGER: ~own & managed,
        Role.MENTOR: mentor,
    }
    employer = managed | (member & Q(mentor=user))
    provider_managed = _provider_access(user, {Membership.Role.MANAGER})
    tutored = _provider_access(user, {Membership.Role.TUTOR})
    nothing = Q(pk__in=[])
    conditions[Role.PROVIDER_MANAGER] = (
        ~own & ~employer & provider_managed if provider_managed is not None else nothing
    )
    if tutored is not None:
        not_managed = ~provider_managed if provider_managed is not None else Q()
        conditions[Role.TUTOR] = ~own & ~employer & not_managed & tutored & Q(tutor=user)
    else:
        conditions[Role.TUTOR] = nothing
    # The assessor: open access and no other role (a subquery, read only with the rows).
    party = own | employer
    if provider_managed is not None:
        party |= provider_managed
    if tutored is not None:
        party |= tutored & Q(tutor=user)
    conditions[Role.ASSESSOR] = _assessed(user) & ~party
    return conditions


def _assessed(user):
    """A Q for the apprenticeships on which ``user`` holds open assessor access today."""
    return Q(pk__in=_open_access(user).values("apprenticeship_id"))


def _any_role_conditions(user, *, assessor=False):
    """The same union as every role of _role_conditions together (the assessor's only when
    ``assessor``: what everyone with a part sees leaves it out), without the exclusions that
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
    provider_managed = _provider_access(user, {Membership.Role.MANAGER})
    if provider_managed is not None:
        conditions.append(provider_managed)
    tutored = _provider_access(user, {Membership.Role.TUTOR})
    if tutored is not None:
        conditions.append(tutored & Q(tutor=user))
    if assessor:
        conditions.append(_assessed(user))
    return conditions


def apprenticeships_where(user, roles=EVERYONE):
    """A Q for the apprenticeships on which ``user`` has one of ``roles`` (by default every
    party's: the end-point assessor's apprenticeship is not among what they see elsewhere)."""
    if set(roles) >= EVERYONE:
        conditions = _any_role_conditions(user, assessor=Role.ASSESSOR in roles)
    else:
        conditions = [q for role, q in _role_conditions(user).items() if role in roles]
    if not conditions:
        return Q(pk__in=[])
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def deciders_where(user, action):
    """A Q for the apprenticeships on which ``user`` may take ``action`` (one of the shared
    decisions, say), with the employer's choice of who decides applied: the SQL twin of
    ``allowed`` over every apprenticeship, on the fields an apprenticeship (or its tally)
    names: organisation (and its decisions_by) and provider."""
    combined = Q(pk__in=[])
    for role, condition in _role_conditions(user).items():
        if not may(role, action):
            continue
        if action in SHARED_DECISIONS and role != Role.ADMIN:
            if role.party == "provider":
                condition &= Q(organisation__decisions_by__in=["provider", "either"])
            else:
                condition &= Q(provider__isnull=True) | Q(
                    organisation__decisions_by__in=["employer", "either"]
                )
        combined |= condition
    return combined


def organisations_where(user, roles=EVERYONE):
    """A Q for the organisations at which ``user`` has one of ``roles``: the SQL twin of
    ``role_on_organisation``."""
    if not _is_active(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q() if Role.ADMIN in roles else Q(pk__in=[])
    # The memberships read once per request, as constants (see _organisation_ids).
    return Q(
        pk__in=[
            pk for pk, role, kind in user._memberships if _organisation_role(role, kind) in roles
        ]
    )


def _organisation_role(member_role, kind):
    """role_on_organisation's answer for a membership ``member_role`` at a ``kind``."""
    if kind == Organisation.Kind.PROVIDER and member_role == Membership.Role.MANAGER:
        return Role.PROVIDER_MANAGER
    return Role(member_role)


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
