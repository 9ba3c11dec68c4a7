"""Who receives a notification: the people holding the catalogue entry's roles on the
apprenticeship, as the permission table decides them (accounts.permissions.role_of), read for
many apprenticeships at once in two queries."""

from collections import defaultdict

from accounts.models import Membership, Partnership, User
from accounts.permissions import Role, role_of


def people_for_many(apprenticeships, roles, fallback=frozenset(), exclude=None):
    """{apprenticeship id: [users]} holding one of ``roles`` on each apprenticeship (with the
    ``fallback`` roles standing in for the mentor when it has none, and the provider's managers
    for the tutor), active users only, never ``exclude`` (the person who acted) and never a
    service admin as such. Two queries for any number, three when a provider delivers some."""
    apprenticeships = list(apprenticeships)
    wanted = set(roles) | set(fallback)
    if not apprenticeships or not wanted:
        return {a.pk: [] for a in apprenticeships}
    people_ids = set()
    for a in apprenticeships:
        people_ids |= {a.apprentice_id, a.mentor_id, getattr(a, "tutor_id", None)}
    people_ids.discard(None)
    people = User.objects.filter(pk__in=people_ids, is_active=True).in_bulk()
    providers = {a.provider_id for a in apprenticeships if getattr(a, "provider_id", None)}
    members = defaultdict(dict)  # organisation id -> {user id: membership role}
    managers = defaultdict(list)
    for membership in Membership.objects.filter(
        organisation_id__in={a.organisation_id for a in apprenticeships} | providers,
        user__is_active=True,
    ).select_related("user"):
        members[membership.organisation_id][membership.user_id] = membership.role
        if membership.role == Membership.Role.MANAGER:
            managers[membership.organisation_id].append(membership.user)
    partnered = set()
    if providers:
        partnered = set(
            Partnership.objects.active()
            .filter(provider_id__in=providers)
            .values_list("employer_id", "provider_id")
        )
    result = {}
    for apprenticeship in apprenticeships:
        holders = _holders(apprenticeship, people, members, managers, partnered)
        chosen = _with_roles(holders, roles)
        if Role.MENTOR in roles and not _with_roles(holders, {Role.MENTOR}):
            chosen += _with_roles(holders, fallback)
        if Role.TUTOR in roles and not _with_roles(holders, {Role.TUTOR}):
            chosen += _with_roles(holders, {Role.PROVIDER_MANAGER})
        seen, users = set(), []
        for user in chosen:
            if user.pk not in seen and (exclude is None or user.pk != exclude.pk):
                seen.add(user.pk)
                users.append(user)
        result[apprenticeship.pk] = users
    return result


def people_for(apprenticeship, roles, fallback=frozenset(), exclude=None):
    """people_for_many for one apprenticeship."""
    return people_for_many([apprenticeship], roles, fallback, exclude)[apprenticeship.pk]


def _holders(apprenticeship, people, members, managers, partnered):
    """[(role, user)] of everyone with a role on the apprenticeship (admins aside), each role
    as role_of gives it."""
    organisation_members = members.get(apprenticeship.organisation_id, {})
    provider_id = getattr(apprenticeship, "provider_id", None)
    provider_members = members.get(provider_id, {}) if provider_id else {}
    partners = (
        frozenset({apprenticeship.organisation_id})
        if (apprenticeship.organisation_id, provider_id) in partnered
        else frozenset()
    )
    candidates = [people.get(apprenticeship.apprentice_id), people.get(apprenticeship.mentor_id)]
    candidates += managers.get(apprenticeship.organisation_id, [])
    if provider_id:
        candidates.append(people.get(apprenticeship.tutor_id))
        candidates += managers.get(provider_id, [])
    holders, seen = [], set()
    for user in candidates:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        role = role_of(
            user,
            apprenticeship,
            member_role=organisation_members.get(user.pk),
            provider=(provider_members.get(user.pk), partners),
        )
        if role is not None and role != Role.ADMIN:
            holders.append((role, user))
    return holders


def _with_roles(holders, roles):
    return [user for role, user in holders if role in roles]
