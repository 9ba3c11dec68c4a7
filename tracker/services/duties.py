"""Signing a duty off and undoing it: the only duty records that are stored, as events."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Apprenticeship
from accounts.permissions import Action, check

from ..models import DutySignOff
from ..rules import signed_off_duty_ids
from .errors import TrackerError


def _lock(apprenticeship, user):
    """Lock the apprenticeship's row, so two sign-offs of one duty cannot cross, and check
    the user may sign off its duties."""
    locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
    check(user, locked, Action.SIGN_OFF_DUTY)
    return locked


def _is_signed_off(apprenticeship, duty):
    return duty.pk in signed_off_duty_ids(
        DutySignOff.objects.filter(apprenticeship=apprenticeship, duty=duty)
    )


def duty_sign_off(*, apprenticeship, duty, user, note):
    """The mentor or a manager signs a duty off, with a note; who and when are kept."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Add a note: what did you see that shows this duty?"})
    if duty.standard_id != apprenticeship.standard_id:
        raise TrackerError("That duty is not part of this apprenticeship's standard.")
    with transaction.atomic():
        locked = _lock(apprenticeship, user)
        if _is_signed_off(locked, duty):
            raise TrackerError("This duty is already signed off.")
        return DutySignOff.objects.create(
            apprenticeship=locked,
            duty=duty,
            action=DutySignOff.Action.SIGNED_OFF,
            by=user,
            note=note,
        )


def duty_sign_off_undo(*, apprenticeship, duty, user, reason):
    """Undo a sign-off; the reason is required and kept in the history."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the sign-off is being undone."})
    with transaction.atomic():
        locked = _lock(apprenticeship, user)
        if not _is_signed_off(locked, duty):
            raise TrackerError("This duty is not signed off.")
        return DutySignOff.objects.create(
            apprenticeship=locked,
            duty=duty,
            action=DutySignOff.Action.UNDONE,
            by=user,
            note=reason,
        )
