"""The one writer of an apprenticeship's status. Every change is checked against the table of
transitions below and the permission table, guarded where a status has conditions (gateway only
when its checklist holds, recomputed under a row lock), and recorded with who, when, from, to
and why in StatusChange.

Apps higher up register their conditions with ``register_guard`` in their AppConfig.ready(), so
this module never imports them: progress registers the gateway checklist."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.events import emit

from .models import (
    Apprenticeship,
    GatewayAgreement,
    Invitation,
    StatusChange,
    apprenticeships_changed,
)
from .permissions import Action, check, may

S = Apprenticeship.Status

# (from, to) -> the action the permission table must allow the person who makes the change.
TRANSITIONS = {
    (S.PENDING, S.ACTIVE): Action.JOIN,
    (S.PENDING, S.WITHDRAWN): Action.CHANGE_STATUS,
    (S.ACTIVE, S.PAUSED): Action.CHANGE_STATUS,
    (S.ACTIVE, S.GATEWAY): Action.MARK_GATEWAY,
    (S.ACTIVE, S.WITHDRAWN): Action.CHANGE_STATUS,
    (S.PAUSED, S.ACTIVE): Action.CHANGE_STATUS,
    (S.PAUSED, S.WITHDRAWN): Action.CHANGE_STATUS,
    (S.GATEWAY, S.ACTIVE): Action.CHANGE_STATUS,
    (S.GATEWAY, S.COMPLETED): Action.CHANGE_STATUS,
    (S.GATEWAY, S.WITHDRAWN): Action.CHANGE_STATUS,
}
# Changes that need no reason: joining (the invitation says why) and gateway (the checklist).
NO_REASON_NEEDED = frozenset({Action.JOIN, Action.MARK_GATEWAY})


class StatusError(Exception):
    """A status change that is not allowed now; the message says why, for the user."""


def _needs_apprentice(apprenticeship):
    if apprenticeship.apprentice_id is None:
        return ["it has no apprentice yet"]
    return []


# to-status -> [guard(apprenticeship) -> list of problems, empty when the change may go ahead]
_GUARDS = {S.ACTIVE: [_needs_apprentice], S.PAUSED: [_needs_apprentice]}


def register_guard(status, guard):
    """Add a condition for moving to ``status``: ``guard(apprenticeship)`` returns what stops
    it, as short phrases ("not every duty is signed off"), or an empty list. Guards run inside
    the status change's transaction, after the apprenticeship's row is locked."""
    guards = _GUARDS.setdefault(status, [])
    if guard not in guards:
        guards.append(guard)


def allowed_transitions(apprenticeship, role):
    """The statuses ``role`` may move the apprenticeship to from its current status, as
    [(status, action)]."""
    return [
        (to, action)
        for (before, to), action in TRANSITIONS.items()
        if before == apprenticeship.status and may(role, action)
    ]


def apprenticeship_status_change(*, apprenticeship, to, by, reason=""):
    """Move the apprenticeship to ``to`` on behalf of ``by``, record the change, and return the
    apprenticeship as it now is. Raises StatusError for a change the rules do not allow now,
    NotAllowed when ``by`` may not make it, ValidationError when a reason is missing."""
    reason = reason.strip()
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        before = S(locked.status)
        action = TRANSITIONS.get((before, to))
        if action is None:
            raise StatusError(
                f"An apprenticeship that is “{before.label.lower()}” cannot become "
                f"“{S(to).label.lower()}”."
            )
        role = check(by, locked, action)
        if to == S.GATEWAY and role.party == "provider" and employer_agreement(locked) is None:
            raise StatusError(
                "The employer has not agreed that the apprentice is ready: a mentor or manager "
                f"of {locked.organisation} agrees on the gateway page first"
            )
        if not reason and action not in NO_REASON_NEEDED:
            raise ValidationError(
                {"reason": ValidationError("Say why the status changes.", code="required")}
            )
        problems = [problem for guard in _GUARDS.get(to, []) for problem in guard(locked)]
        if problems:
            raise StatusError(
                f"It cannot become “{S(to).label.lower()}” yet: {'; '.join(problems)}."
            )
        change = StatusChange.objects.create(
            apprenticeship=locked,
            old_status=before,
            new_status=to,
            by=by,
            party=role.party,
            note=reason,
        )
        now = timezone.now()
        Apprenticeship.objects.filter(pk=locked.pk).update(status=to, updated_at=now)
        if before == S.PENDING and to != S.ACTIVE:
            # Withdrawn before anyone joined: its invitation goes with it, so the link can
            # never bring it back.
            Invitation.objects.filter(
                apprenticeship=locked, accepted_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now, revoked_by=by)
        apprenticeships_changed.send(sender=Apprenticeship, ids=[locked.pk])
        if action != Action.JOIN:  # joining is told as the invitation accepted
            emit(
                "status_changed",
                apprenticeship=locked,
                about=change,
                actor=by,
                before=before,
                to=to,
                reason=reason,
            )
    apprenticeship.refresh_from_db(fields=["status", "updated_at"])
    return apprenticeship


def apprenticeship_status_created(*, apprenticeship, by, reason):
    """Record the status an apprenticeship was created with: the first line of its history."""
    return StatusChange.objects.create(
        apprenticeship=apprenticeship,
        old_status="",
        new_status=apprenticeship.status,
        by=by,
        note=reason,
    )


def employer_agreement(apprenticeship):
    """The employer's agreement that the apprentice is ready for gateway made since the
    apprenticeship's status last changed, or None: what a training provider needs to mark it
    at gateway."""
    since = (
        StatusChange.objects.filter(apprenticeship=apprenticeship)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    agreements = GatewayAgreement.objects.filter(apprenticeship=apprenticeship)
    if since is not None:
        agreements = agreements.filter(at__gte=since)
    return agreements.select_related("by").order_by("-at", "-pk").first()


def gateway_agree(*, apprenticeship, by, note=""):
    """A mentor or manager agrees, for the employer, that the apprentice is ready for gateway,
    so the training provider may mark it; recorded with who and when."""
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        role = check(by, locked, Action.AGREE_GATEWAY)
        if locked.status != S.ACTIVE:
            raise StatusError("Only an active apprenticeship goes to gateway.")
        return GatewayAgreement.objects.create(
            apprenticeship=locked, by=by, party=role.party, note=note.strip()
        )
