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
from .permissions import PARTY_WORDS, Action, check, may, require

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
    # Completed once the end-point assessment is passed and its certificate recorded
    # (accounts.epa), or by a manager from the status page.
    (S.GATEWAY, S.COMPLETED): Action.RECORD_EPA,
    (S.GATEWAY, S.WITHDRAWN): Action.CHANGE_STATUS,
}
# Changes that need no reason: joining (the invitation says why) and gateway (the checklist
# and the declaration).
NO_REASON_NEEDED = frozenset({Action.JOIN, Action.MARK_GATEWAY})
# What each party signs on the gateway page (shown there; GatewayAgreement keeps who and when).
DECLARATION = (
    "We declare that {apprentice} is ready for gateway: they have met the requirements of the "
    "apprenticeship, including its off-the-job training, and are ready to take the end-point "
    "assessment."
)


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
        if to == S.GATEWAY and (missing := declaration_missing(locked)):
            raise StatusError(
                "The gateway declaration is not signed yet by "
                f"{' and '.join(PARTY_WORDS[party] for party in missing)}: each party signs it "
                "on the gateway page."
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


def parties_to_declare(apprenticeship):
    """The parties who sign the gateway declaration: the employer, and the training provider
    when one delivers the apprenticeship."""
    return ("employer", "provider") if apprenticeship.provider_id else ("employer",)


def gateway_declarations(apprenticeship):
    """{party: its latest GatewayAgreement} made since the apprenticeship's status last changed:
    a signature counts only until then."""
    since = (
        StatusChange.objects.filter(apprenticeship=apprenticeship)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    signatures = GatewayAgreement.objects.filter(apprenticeship=apprenticeship)
    if since is not None:
        signatures = signatures.filter(at__gte=since)
    latest = {}
    for signature in signatures.select_related("by").order_by("at", "pk"):
        latest[signature.party] = signature
    return latest


def declaration_missing(apprenticeship):
    """The parties whose signature of the gateway declaration is still missing, in order."""
    signed = gateway_declarations(apprenticeship)
    return [party for party in parties_to_declare(apprenticeship) if party not in signed]


def _gateway_problems(locked):
    return [problem for guard in _GUARDS.get(S.GATEWAY, []) for problem in guard(locked)]


def gateway_declare(*, apprenticeship, by, note=""):
    """``by`` signs the gateway declaration for their party (the employer's people need
    AGREE_GATEWAY, the provider's MARK_GATEWAY), only while the apprenticeship is active and
    its checklist holds. When every party needed has signed since the status last changed, the
    apprenticeship goes to gateway in the same transaction, recorded as changed by ``by`` with
    their note. Returns the signature (a GatewayAgreement)."""
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        role = check(by, locked, Action.MARK_GATEWAY)
        if role.party == "employer":
            require(role, Action.AGREE_GATEWAY, locked)
        if locked.status != S.ACTIVE:
            raise StatusError("Only an active apprenticeship goes to gateway.")
        signed = gateway_declarations(locked).get(role.party)
        if signed is not None:
            raise StatusError(
                f"{signed.by or 'Someone'} has already signed the declaration for "
                f"{PARTY_WORDS[role.party]}."
            )
        if problems := _gateway_problems(locked):
            raise StatusError(f"The declaration cannot be signed yet: {'; '.join(problems)}.")
        signature = GatewayAgreement.objects.create(
            apprenticeship=locked, by=by, party=role.party, note=note.strip()
        )
        if not declaration_missing(locked):
            apprenticeship_status_change(apprenticeship=locked, to=S.GATEWAY, by=by, reason=note)
    apprenticeship.refresh_from_db(fields=["status", "updated_at"])
    return signature
