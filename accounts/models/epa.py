"""The end-point assessment hand-off: an assessor's time-limited, read-only access to one
apprenticeship at gateway, the log of what they looked at, and the assessment's own record
(booked, outcome, resit, certificate), each a row with who and when."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.validators import no_bidi_controls

from .apprenticeships import Apprenticeship, party_field
from .people import User

ASSESSOR_ACCESS_DAYS = 90


class AssessorAccess(models.Model):
    """An end-point assessment organisation's assessor, invited by the training provider onto
    one apprenticeship until ``expires_on``. Only a hash of the invitation link's token is
    stored; ``assessor`` is set when the invitation is accepted. Revoked, never deleted."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="assessor_access"
    )
    email = models.EmailField()
    assessment_organisation = models.CharField(
        "end-point assessment organisation", max_length=200, validators=[no_bidi_controls]
    )
    token_hash = models.CharField(max_length=64, unique=True)
    assessor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="assessor_access"
    )
    expires_on = models.DateField("access until")
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-invited_at", "-pk"]
        verbose_name_plural = "assessor access"
        indexes = [
            models.Index(fields=["assessor", "expires_on"], name="accounts_assessor_open"),
            models.Index(Lower("email"), name="accounts_assessor_email"),
        ]

    def __str__(self):
        return f"{self.email} ({self.assessment_organisation}) until {self.expires_on:%d %B %Y}"


class AssessorView(models.Model):
    """One page seen or file downloaded by an assessor: what, when. Kept for good."""

    access = models.ForeignKey(AssessorAccess, on_delete=models.CASCADE, related_name="views")
    at = models.DateTimeField(default=timezone.now, editable=False)
    what = models.CharField(max_length=20)  # "page" or "download"
    path = models.CharField(max_length=500)
    label = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["access", "-at"], name="accounts_assessorview_latest")]

    def __str__(self):
        return f"{self.what} {self.path} at {self.at:%d %B %Y %H:%M}"


class EpaEvent(models.Model):
    """A step of the end-point assessment: booked for a date, an outcome, a resit booked, the
    certificate received. The assessment's state is derived from these rows."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Assessment booked"
        OUTCOME = "outcome", "Outcome recorded"
        RESIT = "resit", "Resit booked"
        CERTIFICATE = "certificate", "Certificate received"

    class Outcome(models.TextChoices):
        PASS = "pass", "Pass"
        MERIT = "merit", "Merit"
        DISTINCTION = "distinction", "Distinction"
        FAIL = "fail", "Fail"

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="epa_events"
    )
    kind = models.CharField(max_length=12, choices=Kind)
    on = models.DateField("date")
    outcome = models.CharField(max_length=12, choices=Outcome, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="outcome", outcome__in=["pass", "merit", "distinction", "fail"])
                | (~Q(kind="outcome") & Q(outcome="")),
                name="accounts_epaevent_outcome_with_outcome_only",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.on:%d %B %Y})"
