"""The end-point assessment hand-off: inviting an end-point assessor onto one apprenticeship at
gateway, their accepting and the provider's revoking, and the assessment's own record (booked,
outcome, resit, certificate). Rules first, then the writes; every write checks the permission
table and keeps who and when.

Completion: recording the certificate after a passing outcome (pass, merit or distinction)
moves the apprenticeship to "completed" through the status service, in the same transaction."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import (
    ASSESSOR_ACCESS_DAYS,
    Apprenticeship,
    AssessorAccess,
    EpaEvent,
    hash_token,
)
from .outbox import queue_email
from .permissions import Action, check
from .rules import EARLIEST_DATE, LATEST_DATE
from .status import StatusError, apprenticeship_status_change

S = Apprenticeship.Status
# The longest access a provider may give at once (it may invite again later).
ASSESSOR_ACCESS_MAX_DAYS = 366
PASSING = frozenset({EpaEvent.Outcome.PASS, EpaEvent.Outcome.MERIT, EpaEvent.Outcome.DISTINCTION})


class EpaError(Exception):
    """A step that is not possible now; the message says why, for the user."""


# --- rules -----------------------------------------------------------------------------------


class AccessState:
    PENDING = "pending"
    OPEN = "open"
    EXPIRED = "expired"
    REVOKED = "revoked"
    LABELS = {
        PENDING: "Invited, not accepted yet",
        OPEN: "Open",
        EXPIRED: "Expired",
        REVOKED: "Revoked",
    }


def long_date(day):
    return f"{day.day} {day:%B %Y}"


def access_state(access, today=None):
    """What an assessor access is on ``today``: revoked, expired, open (accepted) or pending
    (not accepted yet). role_of's assessor rule is "open"."""
    today = today or date.today()
    if access.revoked_at:
        return AccessState.REVOKED
    if access.expires_on < today:
        return AccessState.EXPIRED
    return AccessState.OPEN if access.accepted_at else AccessState.PENDING


def default_expiry(today=None):
    return (today or date.today()) + timedelta(days=ASSESSOR_ACCESS_DAYS)


def expiry_errors(expires_on, today=None):
    """Why ``expires_on`` cannot be an access's last day: [] when it can."""
    today = today or date.today()
    if expires_on < today:
        return ["The access cannot end in the past."]
    if expires_on > today + timedelta(days=ASSESSOR_ACCESS_MAX_DAYS):
        return ["The access can last at most a year; invite the assessor again to extend it."]
    return []


@dataclass(frozen=True)
class EpaState:
    """The assessment as its events tell it."""

    booked_on: date | None  # the latest booking (a resit booking counts)
    outcome: EpaEvent | None  # the latest outcome recorded
    resit: bool  # the latest booking is a resit
    certificate_on: date | None
    awaiting_outcome: bool  # a booking made after the latest outcome (or with none yet)

    @property
    def passed(self):
        return self.outcome is not None and self.outcome.outcome in PASSING

    @property
    def summary(self):
        if self.certificate_on:
            return f"Certificate received on {long_date(self.certificate_on)}"
        if self.awaiting_outcome:
            kind = "Resit" if self.resit else "Assessment"
            return f"{kind} booked for {long_date(self.booked_on)}"
        if self.outcome is not None:
            outcome = self.outcome
            return f"Outcome: {outcome.get_outcome_display()} ({long_date(outcome.on)})"
        return "Not booked yet"


def epa_state(events):
    """EpaState from the apprenticeship's events in the order they were recorded."""
    booking = outcome = certificate = None
    booking_after_outcome = False
    for event in events:
        if event.kind in (EpaEvent.Kind.BOOKED, EpaEvent.Kind.RESIT):
            booking, booking_after_outcome = event, True
        elif event.kind == EpaEvent.Kind.OUTCOME:
            outcome, booking_after_outcome = event, False
        elif event.kind == EpaEvent.Kind.CERTIFICATE:
            certificate = event
    return EpaState(
        booked_on=booking.on if booking else None,
        outcome=outcome,
        resit=booking is not None and booking.kind == EpaEvent.Kind.RESIT,
        certificate_on=certificate.on if certificate else None,
        awaiting_outcome=booking_after_outcome,
    )


def epa_step_problem(state, kind, outcome=""):
    """Why the step ``kind`` cannot be recorded after ``state``, or "" when it can."""
    if state.certificate_on:
        return "The certificate is recorded: the assessment is over."
    if kind == EpaEvent.Kind.BOOKED and (state.booked_on or state.outcome):
        return "The assessment is booked already: record its outcome, or book a resit."
    if kind == EpaEvent.Kind.OUTCOME and not state.awaiting_outcome:
        return "Book the assessment (or the resit) before recording its outcome."
    if kind == EpaEvent.Kind.OUTCOME and outcome not in EpaEvent.Outcome.values:
        return "Choose the outcome."
    if kind == EpaEvent.Kind.RESIT and (
        state.outcome is None or state.passed or state.awaiting_outcome
    ):
        return "A resit is booked after a failed assessment."
    if kind == EpaEvent.Kind.CERTIFICATE and (not state.passed or state.awaiting_outcome):
        return "The certificate is recorded after a pass, merit or distinction."
    return ""


# --- writes ----------------------------------------------------------------------------------


def _send_assessor_invitation(access, token, build_url, sender):
    link = build_url(reverse("accounts:assessor-accept", kwargs={"token": token}))
    context = {"access": access, "link": link, "apprenticeship": access.apprenticeship}
    subject = " ".join(
        render_to_string("accounts/email/assessor_invitation_subject.txt", context).split()
    )
    body = render_to_string("accounts/email/assessor_invitation_message.txt", context)
    return queue_email(
        kind="invitation",
        to=[access.email],
        subject=subject,
        body=body,
        about=access,
        sender=sender,
    )


def assessor_invite(
    *, apprenticeship, by, email, assessment_organisation, expires_on, build_url, today=None
):
    """Invite an end-point assessor by e-mail onto the apprenticeship (at gateway) until
    ``expires_on``: the link's token goes in the e-mail, only its hash is kept. Returns
    (access, token). Raises EpaError when the apprenticeship is not at gateway, ValidationError
    for a bad address, organisation or date, NotAllowed for someone who may not invite."""
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        check(by, locked, Action.INVITE_ASSESSOR)
        if locked.status != S.GATEWAY:
            raise EpaError("An assessor is invited once the apprenticeship is at gateway.")
        if errors := expiry_errors(expires_on, today):
            raise ValidationError({"expires_on": errors})
        token = secrets.token_urlsafe(32)
        access = AssessorAccess(
            apprenticeship=locked,
            email=email.strip(),
            assessment_organisation=assessment_organisation.strip(),
            token_hash=hash_token(token),
            expires_on=expires_on,
            invited_by=by,
        )
        access.full_clean(exclude=["token_hash"])
        access.save()
        _send_assessor_invitation(access, token, build_url, by)
    return access, token


def access_by_token(token):
    """The AssessorAccess of an invitation link, or None."""
    return (
        AssessorAccess.objects.filter(token_hash=hash_token(token))
        .select_related("apprenticeship__standard", "apprenticeship__apprentice", "invited_by")
        .first()
    )


def access_matches(access, user):
    return bool(user.email) and user.email.casefold() == access.email.casefold()


def assessor_accept(*, access, user, today=None):
    """``user`` (with the invited address) accepts the access: from now until its last day
    they are the apprenticeship's end-point assessor. Opening the link proved the address."""
    with transaction.atomic():
        access = AssessorAccess.objects.select_for_update().get(pk=access.pk)
        state = access_state(access, today)
        if state != AccessState.PENDING:
            raise EpaError(state)
        if not access_matches(access, user):
            raise EpaError("wrong_user")
        access.assessor = user
        access.accepted_at = timezone.now()
        access.save(update_fields=["assessor", "accepted_at"])
        EmailAddress.objects.filter(user=user, email__iexact=access.email).update(verified=True)
    user.__dict__.pop("_open_assessor_access", None)
    return access


def assessor_revoke(*, access, by):
    """End an assessor's access now (kept, with who and when)."""
    with transaction.atomic():
        access = AssessorAccess.objects.select_for_update().get(pk=access.pk)
        check(by, access.apprenticeship, Action.INVITE_ASSESSOR)
        if access.revoked_at:
            raise EpaError("This access is revoked already.")
        access.revoked_at = timezone.now()
        access.revoked_by = by
        access.save(update_fields=["revoked_at", "revoked_by"])
    return access


def epa_record(*, apprenticeship, by, kind, on, outcome="", note="", today=None):
    """Record a step of the end-point assessment. The certificate, after a passing outcome,
    completes the apprenticeship (status service, recorded as changed by ``by``)."""
    today = today or date.today()
    with transaction.atomic():
        locked = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        role = check(by, locked, Action.RECORD_EPA)
        if locked.status != S.GATEWAY:
            raise EpaError(
                "The end-point assessment is recorded while the apprentice is at gateway."
            )
        if not EARLIEST_DATE <= on <= LATEST_DATE:
            raise ValidationError({"on": ["Enter a date between 2000 and 2100."]})
        if kind in (EpaEvent.Kind.OUTCOME, EpaEvent.Kind.CERTIFICATE) and on > today:
            raise ValidationError({"on": ["This date cannot be in the future."]})
        state = epa_state(locked.epa_events.order_by("at", "pk"))
        if problem := epa_step_problem(state, kind, outcome):
            raise EpaError(problem)
        event = EpaEvent(
            apprenticeship=locked,
            kind=kind,
            on=on,
            outcome=outcome if kind == EpaEvent.Kind.OUTCOME else "",
            note=note.strip(),
            by=by,
            party=role.party,
        )
        event.full_clean()
        event.save()
        if kind == EpaEvent.Kind.CERTIFICATE:
            try:
                apprenticeship_status_change(
                    apprenticeship=locked,
                    to=S.COMPLETED,
                    by=by,
                    reason=(
                        f"End-point assessment passed ({state.outcome.get_outcome_display()}); "
                        f"certificate received on {long_date(on)}."
                    ),
                )
            except StatusError as exc:
                raise EpaError(str(exc)) from exc
    apprenticeship.refresh_from_db(fields=["status", "updated_at"])
    return event
