"""Partnerships between employers and training providers, and the provider and tutor of an
apprenticeship: every change is written with who and when (Partnership's steps, TutorChange),
and accounts.permissions reads them to decide what a provider's people see."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Apprenticeship, Membership, Organisation, Partnership, TutorChange, User
from .permissions import Action, check, get_organisation_for, role_on_organisation


class PartnershipError(Exception):
    """A step that cannot be taken; the message says why, in words for the page."""


def _pair(organisation, other):
    """(employer, provider) of two organisations of different kinds, or PartnershipError."""
    kinds = {organisation.kind, other.kind}
    if kinds != {Organisation.Kind.EMPLOYER, Organisation.Kind.PROVIDER}:
        raise PartnershipError("A partnership joins an employer and a training provider.")
    if organisation.kind == Organisation.Kind.EMPLOYER:
        return organisation, other
    return other, organisation


def partnership_propose(*, user, organisation, other):
    """``organisation`` (where ``user`` may manage partnerships) proposes a partnership to
    ``other``; the other accepts it. One open partnership per pair."""
    get_organisation_for(user, organisation.pk, action=Action.MANAGE_PARTNERSHIPS)
    employer, provider = _pair(organisation, other)
    try:
        with transaction.atomic():
            return Partnership.objects.create(
                employer=employer,
                provider=provider,
                proposed_by=organisation,
                proposed_by_user=user,
            )
    except IntegrityError:
        raise PartnershipError(
            f"{organisation} and {other} already have a partnership, or a proposal waiting."
        ) from None


def _locked(partnership):
    return (
        Partnership.objects.select_for_update(of=("self",))
        .select_related("employer", "provider")
        .get(pk=partnership.pk)
    )


def partnership_accept(*, user, partnership):
    """The organisation that did not propose it accepts: from now its provider's people see
    the apprenticeships it delivers for the employer."""
    with transaction.atomic():
        partnership = _locked(partnership)
        answering = partnership.answered_by()
        if role_on_organisation(user, answering) is None:
            # Someone of the organisation that proposed it (the page let them this far).
            raise PartnershipError(f"Waiting for {answering} to accept it.")
        get_organisation_for(user, answering.pk, action=Action.MANAGE_PARTNERSHIPS)
        if partnership.state != Partnership.State.PROPOSED:
            raise PartnershipError(f"This partnership is {partnership.get_state_display()}.")
        partnership.accepted_by = user
        partnership.accepted_at = timezone.now()
        partnership.save(update_fields=["accepted_by", "accepted_at"])
    return partnership


def partnership_end(*, user, partnership, organisation):
    """``organisation`` (either side) ends the partnership, or withdraws or declines its
    proposal: the provider's people stop seeing the employer's apprenticeships not yet
    completed. Its history stays."""
    with transaction.atomic():
        partnership = _locked(partnership)
        if organisation.pk not in (partnership.employer_id, partnership.provider_id):
            raise PartnershipError("Only the two organisations of a partnership can end it.")
        get_organisation_for(user, organisation.pk, action=Action.MANAGE_PARTNERSHIPS)
        if partnership.ended_at:
            raise PartnershipError("This partnership has already ended.")
        partnership.ended_by = user
        partnership.ended_by_organisation = organisation
        partnership.ended_at = timezone.now()
        partnership.save(update_fields=["ended_by", "ended_by_organisation", "ended_at"])
    return partnership


def partnership_rows(user, organisation, role):
    """The partnerships of ``organisation`` for its page, open ones first then the ended ones
    (their history), each with ``may_answer`` and ``may_end`` for ``user`` (whose ``role`` at
    the organisation is given)."""
    manages = role is not None and role.can[Action.MANAGE_PARTNERSHIPS.value]
    rows = list(
        Partnership.objects.involving(organisation)
        .select_related("employer", "provider", "ended_by_organisation")
        .order_by(F("ended_at").desc(nulls_first=True), "-proposed_at")[:50]
    )
    for partnership in rows:
        partnership.partner = partnership.other(organisation)
        partnership.proposed_by_us = partnership.proposed_by_id == organisation.pk
        open_ = partnership.ended_at is None
        partnership.may_end = manages and open_
        partnership.may_answer = (
            manages
            and open_
            and not partnership.accepted_at
            and partnership.proposed_by_id != organisation.pk
        )
    return rows


def active_providers_of(employer):
    """The training providers in an active partnership with ``employer``."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.PROVIDER,
        employer_partnerships__in=Partnership.objects.active().filter(employer=employer),
    ).order_by("name")


def tutors_of(provider):
    """The people who may tutor at ``provider``: its tutors and managers."""
    return User.objects.filter(
        is_active=True,
        memberships__organisation=provider,
        memberships__role__in=[Membership.Role.TUTOR, Membership.Role.MANAGER],
    ).order_by("full_name", "email")


def _record(apprenticeship, by, old_provider_id, old_tutor_id):
    TutorChange.objects.create(
        apprenticeship=apprenticeship,
        old_provider_id=old_provider_id,
        new_provider_id=apprenticeship.provider_id,
        old_tutor_id=old_tutor_id,
        new_tutor_id=apprenticeship.tutor_id,
        by=by,
    )


def apprenticeship_provider_change(*, user, apprenticeship, provider):
    """The employer names the training provider that delivers the apprenticeship (one it is in
    an active partnership with), or none; a new provider starts without a tutor."""
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        check(user, locked, Action.EDIT_APPRENTICESHIP)
        new_id = provider.pk if provider else None
        if new_id == locked.provider_id:
            return locked
        if provider and not active_providers_of(locked.organisation_id).filter(pk=new_id).exists():
            raise ValidationError(
                {"provider": f"{locked.organisation} has no active partnership with {provider}."}
            )
        old_provider_id, old_tutor_id = locked.provider_id, locked.tutor_id
        locked.provider_id, locked.tutor_id = new_id, None
        locked.save(update_fields=["provider", "tutor", "updated_at"])
        _record(locked, user, old_provider_id, old_tutor_id)
    return locked


def apprenticeship_tutor_change(*, user, apprenticeship, tutor):
    """A manager of the provider puts the apprenticeship on a tutor's caseload (a tutor or
    manager of the provider), or on nobody's."""
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        check(user, locked, Action.ASSIGN_TUTOR)
        new_id = tutor.pk if tutor else None
        if new_id == locked.tutor_id:
            return locked
        if tutor and not locked.provider_id:
            raise ValidationError({"tutor": "Name the training provider first."})
        if tutor and not tutors_of(locked.provider_id).filter(pk=new_id).exists():
            raise ValidationError(
                {"tutor": "The tutor must be a tutor or manager of the provider."}
            )
        if tutor and new_id == locked.apprentice_id:
            raise ValidationError({"tutor": "An apprentice cannot be their own tutor."})
        old_tutor_id = locked.tutor_id
        locked.tutor_id = new_id
        locked.save(update_fields=["tutor", "updated_at"])
        _record(locked, user, locked.provider_id, old_tutor_id)
    return locked
