"""Who speaks for each party of a progress review: the people told when it waits for their
signature, invited to the meeting, or (for a safeguarding concern) the provider's designated
safeguarding lead."""

from accounts.models import Membership, User

from .review_models import Party


def _managers(organisation_id):
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role=Membership.Role.MANAGER,
        ).order_by("pk")
    )


def party_people(apprenticeship, party):
    """The active people who act for ``party``: the apprentice; the mentor (else the
    employer's managers); the tutor (else the provider's managers; nobody without a
    provider)."""
    if party == Party.APPRENTICE:
        people = [apprenticeship.apprentice]
    elif party == Party.EMPLOYER:
        people = [apprenticeship.mentor] if apprenticeship.mentor_id else None
        people = people or _managers(apprenticeship.organisation_id)
    elif not apprenticeship.provider_id:
        people = []
    else:
        people = [apprenticeship.tutor] if apprenticeship.tutor_id else None
        people = people or _managers(apprenticeship.provider_id)
    return [user for user in people if user is not None and user.is_active]


def everyone(apprenticeship, parties):
    """party_people of each of ``parties``, each person once."""
    seen, people = set(), []
    for party in parties:
        for user in party_people(apprenticeship, party):
            if user.pk not in seen:
                seen.add(user.pk)
                people.append(user)
    return people


def safeguarding_leads(apprenticeship):
    """The provider's designated safeguarding lead, else its managers; nobody without a
    provider."""
    if not apprenticeship.provider_id:
        return []
    lead = apprenticeship.provider.safeguarding_lead
    if lead is not None and lead.is_active:
        return [lead]
    return _managers(apprenticeship.provider_id)
