"""Writes that touch several rows: organisations, invitations, accepting them, leaving."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.events import emit
from core.once import created_once

from .models import (
    INVITATION_VALID_DAYS,
    Apprenticeship,
    Invitation,
    Membership,
    Organisation,
    apprenticeships_changed,
    hash_token,
)
from .outbox import queue_email
from .status import apprenticeship_status_change, apprenticeship_status_created


class InvitationError(Exception):
    """An invitation that cannot be accepted; ``reason`` is one of Invitation.State or
    "wrong_user"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def organisation_create(*, user, name, submission_key=None):
    """Create an organisation with ``user`` as its first manager; once per form sent
    (AlreadySubmitted with the one the same form made before)."""

    def create():
        with transaction.atomic():
            organisation = Organisation(name=name.strip(), submission_key=submission_key)
            organisation.full_clean(exclude=["submission_key"])
            organisation.save()
            Membership.objects.create(
                user=user, organisation=organisation, role=Membership.Role.MANAGER
            )
        return organisation

    return created_once(Organisation.objects.filter(memberships__user=user), submission_key, create)


def _open_invitation(organisation, kind, email, standard=None):
    """The open invitation the one-open-invitation rules would clash with, or None."""
    invitations = Invitation.objects.filter(
        organisation=organisation,
        kind=kind,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )
    if kind == Invitation.Kind.APPRENTICE:
        invitations = invitations.filter(standard=standard, apprenticeship__isnull=False)
    return invitations.first()


def invitation_email(invitation, token, build_url, sender=None):
    """The arguments of queue_email for the invitation's e-mail with the link of ``token``
    (a bulk enrolment writes many at once with queue_emails)."""
    link = build_url(reverse("accounts:invitation-accept", kwargs={"token": token}))
    context = {"invitation": invitation, "link": link, "valid_days": INVITATION_VALID_DAYS}
    subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
    body = render_to_string("accounts/email/invitation_message.txt", context)
    return {
        "kind": "invitation",
        "to": [invitation.email],
        "subject": subject,
        "body": body,
        "about": invitation,
        "sender": sender,
    }


def _send_invitation(invitation, token, build_url, sender):
    return queue_email(**invitation_email(invitation, token, build_url, sender))


def _issue(invitation, build_url, sender=None):
    """Give the invitation a fresh single-use token and expiry, save it and queue the e-mail
    with the link, in the caller's transaction: the e-mail goes once that commits, and a mail
    server that is down only delays it (the invitation's e-mail status says so)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_VALID_DAYS)
    invitation.full_clean(exclude=["token_hash", "submission_key"])
    invitation.save()
    _send_invitation(invitation, token, build_url, sender)
    return token


def apprentice_invite(*, organisation, email, standard, submission_key=None, **details):
    """Create a pending apprenticeship and invite its apprentice by e-mail (``details``: the
    other arguments of _apprentice_invite). A second invitation of the same person onto the
    same standard while one is open raises AlreadySubmitted with the open one (the database
    holds the rule, so two sent at once make one)."""
    return created_once(
        organisation.invitations.all(),
        submission_key,
        lambda: _apprentice_invite(
            organisation=organisation,
            email=email,
            standard=standard,
            submission_key=submission_key,
            **details,
        ),
        existing=lambda: _open_invitation(
            organisation, Invitation.Kind.APPRENTICE, email, standard
        ),
    )


def _apprentice_invite(
    *,
    organisation,
    invited_by,
    email,
    full_name,
    standard,
    start_date,
    planned_end_date,
    mentor=None,
    weekly_hours=None,
    otj_target_hours=None,
    build_url,
    submission_key,
):
    with transaction.atomic():
        apprenticeship = Apprenticeship(
            standard=standard,
            organisation=organisation,
            mentor=mentor,
            start_date=start_date,
            planned_end_date=planned_end_date,
            otj_target_hours=otj_target_hours,
            status=Apprenticeship.Status.PENDING,
        )
        if weekly_hours is not None:
            apprenticeship.weekly_hours = weekly_hours
        if apprenticeship.otj_target_hours is None:
            apprenticeship.otj_target_hours = apprenticeship.default_otj_target_hours
        apprenticeship.full_clean()
        apprenticeship.save()
        apprenticeship_status_created(
            apprenticeship=apprenticeship,
            by=invited_by,
            reason=f"{full_name} invited at {email}",
        )
        invitation = Invitation(
            organisation=organisation,
            kind=Invitation.Kind.APPRENTICE,
            apprenticeship=apprenticeship,
            standard=standard,
            email=email,
            full_name=full_name,
            invited_by=invited_by,
            submission_key=submission_key,
        )
        _issue(invitation, build_url, invited_by)
    return invitation


def member_invite(
    *, organisation, invited_by, email, full_name, role, build_url, submission_key=None
):
    """Invite someone into the organisation as a manager or mentor; AlreadySubmitted with the
    open invitation when they have one (as for apprentice_invite)."""

    def create():
        with transaction.atomic():
            invitation = Invitation(
                organisation=organisation,
                kind=Invitation.Kind.MEMBER,
                role=role,
                email=email,
                full_name=full_name,
                invited_by=invited_by,
                submission_key=submission_key,
            )
            _issue(invitation, build_url, invited_by)
        return invitation

    return created_once(
        organisation.invitations.all(),
        submission_key,
        create,
        existing=lambda: _open_invitation(organisation, Invitation.Kind.MEMBER, email),
    )


def invitation_resend(*, invitation, build_url, by=None):
    """Send a pending or expired invitation again with a new link; the old link stops working.
    The e-mail is queued, so the row lock is never held while a mail server answers."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state not in (Invitation.State.PENDING, Invitation.State.EXPIRED):
            raise InvitationError(invitation.state)
        _issue(invitation, build_url, by)
    return invitation


def invitation_revoke(*, invitation, by):
    """Revoke a pending or expired invitation; an apprenticeship waiting for it is withdrawn."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state not in (Invitation.State.PENDING, Invitation.State.EXPIRED):
            raise InvitationError(invitation.state)
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = by
        invitation.save(update_fields=["revoked_at", "revoked_by"])
        apprenticeship = invitation.apprenticeship
        if apprenticeship and apprenticeship.status == Apprenticeship.Status.PENDING:
            apprenticeship_status_change(
                apprenticeship=apprenticeship,
                to=Apprenticeship.Status.WITHDRAWN,
                by=by,
                reason=f"The invitation to {invitation.email} was revoked.",
            )
    return invitation


def invitation_accept(*, invitation, user):
    """Accept the invitation as ``user``, whose e-mail must be the invited one. The apprentice
    becomes the apprenticeship's (now active); a member joins the organisation. Opening the
    link proves the address, so it is marked verified."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state != Invitation.State.PENDING:
            raise InvitationError(invitation.state)
        if not invitation.matches(user):
            raise InvitationError("wrong_user")
        if invitation.kind == Invitation.Kind.APPRENTICE:
            apprenticeship = Apprenticeship.objects.select_for_update().get(
                pk=invitation.apprenticeship_id
            )
            if apprenticeship.status != Apprenticeship.Status.PENDING:
                raise InvitationError(Invitation.State.VOID)
            if apprenticeship.mentor_id == user.pk:
                raise InvitationError("own_mentor")
            apprenticeship.apprentice = user
            apprenticeship.save(update_fields=["apprentice", "updated_at"])
            apprenticeship_status_change(
                apprenticeship=apprenticeship,
                to=Apprenticeship.Status.ACTIVE,
                by=user,
                reason="Accepted the invitation.",
            )
        else:
            membership, created = Membership.objects.get_or_create(
                user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
            )
            if not created and invitation.role == Membership.Role.MANAGER:
                membership.role = Membership.Role.MANAGER
                membership.save(update_fields=["role"])
        if not user.full_name:
            user.full_name = invitation.full_name
            user.save(update_fields=["full_name"])
        EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        emit(
            "invitation_accepted",
            apprenticeship=invitation.apprenticeship,
            about=invitation,
            actor=user,
            recipients=[invitation.invited_by],
        )
    return invitation


def sole_managed_organisations(user):
    """Organisations that would be left without a manager if ``user`` left."""
    managed = Organisation.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.MANAGER
    )
    return [
        organisation
        for organisation in managed.prefetch_related("memberships")
        if sum(m.role == Membership.Role.MANAGER for m in organisation.memberships.all()) == 1
    ]


REMINDER_SETTINGS = (
    "review_interval_weeks",
    "evidence_waiting_days",
    "scan_interval_weeks",
    "decisions_by",
    "safeguarding_lead",
)


def organisation_settings_save(*, organisation, **settings):
    """Change the intervals the organisation's reminders and rule book run on
    (REMINDER_SETTINGS). A new review interval moves the due date of every review that no
    review agreed, so the stored figures of its apprenticeships are refreshed in the same
    transaction (``apprenticeships_changed``), under the lock the refresh takes on each: about
    3 s for an organisation of 10,000 apprenticeships on SQLite, for a setting seldom changed,
    so no background task: the new interval and the due dates it moves are seen together."""
    with transaction.atomic():
        old = (
            Organisation.objects.select_for_update()
            .values_list("review_interval_weeks", "decisions_by")
            .get(pk=organisation.pk)
        )
        names = [name for name in REMINDER_SETTINGS if name in settings]
        for name in names:
            setattr(organisation, name, settings[name])
        lead = organisation.safeguarding_lead_id
        if lead and not organisation.memberships.filter(user_id=lead).exists():
            raise ValidationError(
                {"safeguarding_lead": "The safeguarding lead must be one of the provider's people."}
            )
        # The field validators say what the check constraints say, without a query each.
        organisation.full_clean(validate_constraints=False)
        organisation.save(update_fields=names)
        # Who decides changes whose queues count the apprenticeships' evidence: the same.
        if (organisation.review_interval_weeks, organisation.decisions_by) != old:
            ids = list(organisation.apprenticeships.values_list("pk", flat=True))
            apprenticeships_changed.send(sender=Apprenticeship, ids=ids)
    return organisation


def user_delete_account(*, user):
    """Delete a person's account. Their login, name, e-mail addresses and memberships go; the
    apprenticeships they are the apprentice on stay with the employer, shown as a deleted user,
    because the records must be kept; where they were mentor, the apprenticeship has none."""
    blockers = sole_managed_organisations(user)
    if blockers:
        names = ", ".join(str(o) for o in blockers)
        raise ValidationError(
            f"You are the only manager of {names}: invite another manager first.",
            code="sole_manager",
        )
    with transaction.atomic():
        mentored = list(Apprenticeship.objects.filter(mentor=user).values_list("pk", flat=True))
        Apprenticeship.objects.filter(pk__in=mentored).update(mentor=None)
        apprenticeships_changed.send(sender=Apprenticeship, ids=mentored)
        Membership.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        if user.apprenticeships.exists():
            user.email = f"deleted-user-{user.pk}@deleted.invalid"
            user.full_name = "Deleted user"
            user.is_active = False
            user.is_staff = False
            user.is_superuser = False
            user.set_unusable_password()
            user.save()
        else:
            user.delete()
