"""Signing a duty off and undoing it: the only duty records that are stored, as events."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Apprenticeship
from accounts.permissions import Action, check
from core.events import emit
from standards.selectors import standard_structure

from ..models import DutySignOff
from ..rules import evidenced_ksb_ids, signed_off_duty_ids
from .errors import TrackerError


def _lock(apprenticeship, user):
    """Lock the apprenticeship's row, so two sign-offs of one duty cannot cross, and check
    the user may sign off its duties."""
    locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
    locked.acting_party = check(user, locked, Action.SIGN_OFF_DUTY).party
    return locked


def _is_signed_off(apprenticeship, duty):
    return duty.pk in signed_off_duty_ids(
        DutySignOff.objects.filter(apprenticeship=apprenticeship, duty=duty)
    )


def unevidenced_ksbs_of(apprenticeship, duty):
    """The duty's KSBs, in code order, that have no accepted evidence of ``apprenticeship``
    (tracker.rules), as the duty's page lists them under "Still missing"."""
    structure = standard_structure(apprenticeship.standard)
    ksb_list = next(d.ksb_list for d in structure.duties if d.pk == duty.pk)
    accepted, _ = evidenced_ksb_ids(apprenticeship)
    return [ksb for ksb in ksb_list if ksb.pk not in accepted]


def duty_sign_off(*, apprenticeship, duty, user, note, unevidenced=(), reason=""):
    """The mentor or a manager signs a duty off, with a note; who and when are kept. When some
    of its KSBs have no accepted evidence, ``unevidenced`` must name exactly those KSBs (the
    list the signer confirmed) and ``reason`` say why; both are kept with the sign-off."""
    note, reason = note.strip(), reason.strip()
    if not note:
        raise ValidationError({"note": "Add a note: what did you see that shows this duty?"})
    if duty.standard_id != apprenticeship.standard_id:
        raise TrackerError("That duty is not part of this apprenticeship's standard.")
    with transaction.atomic():
        locked = _lock(apprenticeship, user)
        if _is_signed_off(locked, duty):
            raise TrackerError("This duty is already signed off.")
        missing = unevidenced_ksbs_of(locked, duty)
        if {ksb.pk for ksb in missing} != set(unevidenced):
            raise ValidationError(
                "The KSBs without accepted evidence are not the ones you confirmed: check the "
                "list and confirm again.",
                code="unevidenced_changed",
            )
        if missing and not reason:
            raise ValidationError(
                {
                    "reason": f"Say why you are signing off with {len(missing)} "
                    f"KSB{'s' if len(missing) != 1 else ''} unevidenced."
                }
            )
        sign_off = DutySignOff.objects.create(
            apprenticeship=locked,
            duty=duty,
            action=DutySignOff.Action.SIGNED_OFF,
            by=user,
            party=locked.acting_party,
            note=note,
            unevidenced_reason=reason if missing else "",
        )
        sign_off.unevidenced_ksbs.set(missing)
        emit("duty_signed_off", apprenticeship=locked, about=sign_off, actor=user)
        return sign_off


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
            party=locked.acting_party,
            note=reason,
        )
