"""Inviting many apprentices at once: what accounts.services.apprentice_invite does for one
(a pending apprenticeship, the first line of its status history, the invitation with a
single-use link, its e-mail through the outbox), written a batch at a time, so that a file of
thousands takes seconds rather than minutes.

Every rule the one-by-one path checks with a query per apprenticeship (the programme dates,
the mentor being a member, the standard approved for delivery, one open invitation per person
and standard) was checked by accounts.bulk.check_row against lookups made once for the whole
file; the field validators run here without queries; the database's check and unique
constraints hold the rest (a clash rolls the batch back, and the caller tries its rows one at
a time)."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import (
    INVITATION_VALID_DAYS,
    Apprenticeship,
    Invitation,
    OutgoingEmail,
    StatusChange,
    TutorChange,
    apprenticeships_changed,
    hash_token,
)
from .outbox import queue_emails
from .services import invitation_email

BATCH_SIZE = 250
# The foreign keys whose rows check_row found in its lookups: validating each again would be
# a query per key and apprenticeship.
_CHECKED_KEYS = ["apprentice", "standard", "organisation", "mentor", "provider", "tutor"]


def _apprenticeship(organisation, entry):
    apprenticeship = Apprenticeship(
        standard=entry["standard"],
        organisation=organisation,
        mentor=entry.get("mentor"),
        provider=entry.get("provider"),
        tutor=entry.get("tutor"),
        start_date=entry["start_date"],
        planned_end_date=entry["planned_end_date"],
        status=Apprenticeship.Status.PENDING,
    )
    if entry.get("weekly_hours") is not None:
        apprenticeship.weekly_hours = entry["weekly_hours"]
    apprenticeship.otj_target_hours = apprenticeship.default_otj_target_hours
    apprenticeship.clean_fields(exclude=_CHECKED_KEYS)
    return apprenticeship


def apprentices_invite_many(*, organisation, invited_by, entries, build_url):
    """Invite each of ``entries`` (dicts: email, full_name, standard, start_date,
    planned_end_date, and optionally mentor, weekly_hours, provider, tutor, submission_key) in
    one transaction; returns their invitations, in order. Raises IntegrityError (nothing
    written) when the database refuses one, e.g. a person invited meanwhile; ValidationError
    for a value a field refuses."""
    now = timezone.now()
    apprenticeships = [_apprenticeship(organisation, entry) for entry in entries]
    with transaction.atomic():
        Apprenticeship.objects.bulk_create(apprenticeships)
        StatusChange.objects.bulk_create(
            StatusChange(
                apprenticeship=apprenticeship,
                old_status="",
                new_status=apprenticeship.status,
                by=invited_by,
                note=f"{entry['full_name']} invited at {entry['email']}",
                at=now,
            )
            for apprenticeship, entry in zip(apprenticeships, entries, strict=True)
        )
        TutorChange.objects.bulk_create(
            TutorChange(
                apprenticeship=apprenticeship,
                new_provider=apprenticeship.provider,
                new_tutor=apprenticeship.tutor,
                by=invited_by,
                at=now,
            )
            for apprenticeship in apprenticeships
            if apprenticeship.provider_id
        )
        tokens = [secrets.token_urlsafe(32) for _ in entries]
        invitations = Invitation.objects.bulk_create(
            Invitation(
                organisation=organisation,
                kind=Invitation.Kind.APPRENTICE,
                apprenticeship=apprenticeship,
                standard=apprenticeship.standard,
                email=entry["email"],
                full_name=entry["full_name"],
                invited_by=invited_by,
                submission_key=entry.get("submission_key"),
                token_hash=hash_token(token),
                sent_at=now,
                expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
            )
            for apprenticeship, entry, token in zip(apprenticeships, entries, tokens, strict=True)
        )
        emails = []
        for invitation, token in zip(invitations, tokens, strict=True):
            fields = invitation_email(invitation, token, build_url, invited_by)
            emails.append(
                OutgoingEmail(
                    kind=fields["kind"],
                    to=", ".join(fields["to"]),
                    from_email="",
                    subject=fields["subject"],
                    body=fields["body"],
                    html="",
                    headers={},
                    attachments=[],
                    about=invitation,
                    sender=invited_by,
                )
            )
        queue_emails(emails)
        # What is kept from apprenticeships elsewhere (the dashboard's tally) follows.
        apprenticeships_changed.send(
            sender=Apprenticeship, ids=[apprenticeship.pk for apprenticeship in apprenticeships]
        )
    return invitations


def batches(items, size=BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]
