"""Invitations by e-mail onto an apprenticeship or into an organisation."""

import hashlib

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.once import submission_key_column
from core.validators import no_bidi_controls
from standards.models import Standard

from .apprenticeships import Apprenticeship
from .people import Membership, Organisation, User

INVITATION_VALID_DAYS = 14


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _state_conditions(now):
    """{state: Q}: the SQL twin of Invitation.state."""
    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    void = Q(kind="apprentice") & (
        Q(apprenticeship__isnull=True) | ~Q(apprenticeship__status="pending")
    )
    return {
        "accepted": Q(accepted_at__isnull=False),
        "revoked": Q(accepted_at__isnull=True, revoked_at__isnull=False),
        "void": open_ & void,
        "expired": open_ & Q(expires_at__lte=now) & ~void,
        "pending": open_ & Q(expires_at__gt=now) & ~void,
    }


class InvitationQuerySet(models.QuerySet):
    def in_state(self, state):
        """The invitations whose ``state`` is ``state`` now."""
        return self.filter(_state_conditions(timezone.now())[state])

    def pending(self):
        return self.in_state("pending")

    def by_token(self, token):
        return self.filter(token_hash=hash_token(token))


class Invitation(models.Model):
    """An invitation by e-mail: onto an apprenticeship (as its apprentice) or into an
    organisation (as a manager or mentor). Only a hash of the link's token is stored."""

    class Kind(models.TextChoices):
        APPRENTICE = "apprentice", "Apprentice"
        MEMBER = "member", "Organisation member"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"
        VOID = "void", "Apprenticeship removed or withdrawn"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    apprenticeship = models.ForeignKey(
        Apprenticeship,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    # What an apprentice is invited onto, kept on the invitation so that the database can hold
    # the rule of one open invitation per person and standard at an organisation.
    standard = models.ForeignKey(
        Standard, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(
        "role in the organisation", max_length=10, choices=Membership.Role, blank=True
    )
    email = models.EmailField("e-mail address")
    full_name = models.CharField("full name", max_length=200, validators=[no_bidi_controls])
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Empty once the person who sent it has deleted their account: it can still be resent.
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submission_key = submission_key_column()

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="member", role__in=["manager", "mentor", "tutor"])
                | Q(kind="apprentice", role=""),
                name="accounts_invitation_role_matches_kind",
            ),
            # One open (not accepted, not revoked) invitation per person into an organisation,
            # and per person onto a standard there: the same invitation sent twice at once
            # makes one. An expired one is resent, not invited afresh; one whose
            # apprenticeship was deleted is void and no longer counts.
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=Q(kind="member", accepted_at__isnull=True, revoked_at__isnull=True),
                name="accounts_invitation_one_open_member",
                violation_error_message="This person already has an open invitation.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                "standard",
                condition=Q(
                    kind="apprentice",
                    accepted_at__isnull=True,
                    revoked_at__isnull=True,
                    apprenticeship__isnull=False,
                ),
                name="accounts_invitation_one_open_apprentice",
                violation_error_message="This person already has an open invitation onto this "
                "standard.",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.full_name} <{self.email}> ({self.get_state_display()})"

    @property
    def state(self):
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.kind == self.Kind.APPRENTICE and (
            self.apprenticeship_id is None or self.apprenticeship.status != "pending"
        ):
            return self.State.VOID
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING

    def get_state_display(self):
        return self.State(self.state).label

    @property
    def is_pending(self):
        return self.state == self.State.PENDING

    def matches(self, user):
        return bool(user.email) and user.email.casefold() == self.email.casefold()
