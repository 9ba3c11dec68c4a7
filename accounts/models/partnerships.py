"""Partnerships between an employer and a training provider: one proposes, the other accepts,
either ends it. Each step is written once, with who and when; the partnership's state is read
from them. While a partnership is active the provider's people see the apprenticeships it
delivers for that employer (accounts.permissions)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .people import Organisation, User


class PartnershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(accepted_at__isnull=False, ended_at__isnull=True)

    def open(self):
        """Proposed or active: not ended (at most one per pair)."""
        return self.filter(ended_at__isnull=True)

    def involving(self, organisation):
        return self.filter(Q(employer=organisation) | Q(provider=organisation))


class Partnership(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", "Waiting for an answer"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    employer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="provider_partnerships"
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="employer_partnerships"
    )
    proposed_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    proposed_by_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "provider"],
                condition=Q(ended_at__isnull=True),
                name="accounts_partnership_one_open_per_pair",
                violation_error_message="These two organisations already have a partnership.",
            ),
            models.CheckConstraint(
                condition=~Q(employer=models.F("provider")),
                name="accounts_partnership_two_organisations",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("proposed_at")),
                name="accounts_partnership_ends_after_proposed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["provider", "employer"],
                condition=Q(ended_at__isnull=True),
                name="accounts_partnership_open",
            ),
        ]

    def __str__(self):
        return f"{self.employer} with {self.provider} ({self.get_state_display().lower()})"

    @property
    def state(self):
        if self.ended_at:
            return self.State.ENDED
        if self.accepted_at:
            return self.State.ACTIVE
        return self.State.PROPOSED

    def get_state_display(self):
        return self.State(self.state).label

    @property
    def is_active(self):
        return self.state == self.State.ACTIVE

    def other(self, organisation):
        """The partner of ``organisation`` in this partnership."""
        return self.provider if organisation.pk == self.employer_id else self.employer

    def answered_by(self):
        """The organisation that accepts a proposal: the one that did not propose it."""
        return self.provider if self.proposed_by_id == self.employer_id else self.employer
