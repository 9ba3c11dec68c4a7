"""Apprenticeships and the history of their status."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from standards.models import Standard

from ..rules import (
    EARLIEST_DATE,
    LATEST_DATE,
    duration_months,
    month_of_programme,
    otj_minimum_hours,
    programme_date_errors,
)
from .people import Membership, Organisation, User

# Sent with ``ids`` by a write that changes apprenticeships without saving them one by one
# (queryset.update), so what is kept from them elsewhere (the dashboard's tally) follows.
apprenticeships_changed = Signal()


class Party(models.TextChoices):
    """The three parties of an apprenticeship, as records name who acted for whom."""

    APPRENTICE = "apprentice", "apprentice"
    EMPLOYER = "employer", "employer"
    PROVIDER = "provider", "training provider"


def party_field(verbose_name="acting for"):
    """The party a person acted for when they made a record (accounts.permissions Role.party);
    empty on records made before the parties were kept."""
    return models.CharField(
        verbose_name, max_length=10, choices=Party, blank=True, default="", db_default=""
    )


class StatusWriteError(Exception):
    """Code tried to write an apprenticeship's status other than through the status service."""


class ApprenticeshipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The apprenticeships on which ``user`` has a role (see accounts/permissions.py): their
        own as apprentice, the ones they mentor while a member of the organisation, every one
        of the organisations they manage; all for superusers; none for anonymous or inactive
        users. Every view of apprenticeship data starts here or from the permission layer."""
        from ..permissions import apprenticeships_where

        return self.filter(apprenticeships_where(user))

    def supervised_by(self, user):
        """The apprenticeships ``user`` supervises as employer (mentor, manager or admin):
        visible_to without their own, so nobody supervises themselves."""
        from ..permissions import EMPLOYER, apprenticeships_where

        return self.filter(apprenticeships_where(user, EMPLOYER))

    def decided_by(self, user, action):
        """The apprenticeships on which ``user`` may take ``action`` (validate scans, decide
        evidence): the employer's people and the provider's, as the employer chose."""
        from ..permissions import deciders_where

        return self.filter(deciders_where(user, action))

    def for_list(self):
        """What a list row shows, in a constant number of queries (the name of the person
        invited included, for a pending apprenticeship: see ``person``)."""
        return self.select_related(
            "apprentice", "standard", "organisation", "mentor", "provider", "tutor"
        ).with_invited_name()

    def with_invited_name(self):
        """Each apprenticeship with ``invited_name``: the name its latest apprentice invitation
        was sent to while it has no apprentice (NULL once it has one), in the same query."""
        from .invitations import Invitation

        latest = Invitation.objects.filter(
            apprenticeship=models.OuterRef("pk"), kind=Invitation.Kind.APPRENTICE
        ).order_by("-sent_at", "-pk")
        return self.annotate(
            invited_name=models.Case(
                models.When(
                    apprentice__isnull=True,
                    then=models.Subquery(latest.values("full_name")[:1]),
                )
            )
        )


class Apprenticeship(models.Model):
    """One apprentice on one standard at one employer, from start to planned end."""

    class Status(models.TextChoices):
        PENDING = "pending", "Invitation pending"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "On a break"
        GATEWAY = "gateway", "At gateway"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    apprentice = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="apprenticeships",
        help_text="Empty while the invitation is pending.",
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="apprenticeships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="apprenticeships"
    )
    mentor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentored_apprenticeships",
    )
    # The training provider that delivers it (none for an employer-provider or an employer
    # alone) and the provider's tutor whose caseload it is on.
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivered_apprenticeships",
        verbose_name="training provider",
    )
    tutor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tutored_apprenticeships",
    )
    start_date = models.DateField()
    planned_end_date = models.DateField()
    weekly_hours = models.DecimalField(
        "working hours a week",
        max_digits=4,
        decimal_places=1,
        default=Decimal(30),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(60))],
    )
    otj_target_hours = models.PositiveIntegerField(
        "off-the-job target (hours)",
        blank=True,
        help_text="Minimum off-the-job training hours. Leave empty to use 6 hours a week over "
        "the planned weeks (20% of the working hours for weeks under 30 hours).",
    )
    # Written only by accounts.status.apprenticeship_status_change, which records each change.
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApprenticeshipQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=models.F("start_date")),
                name="accounts_apprenticeship_end_after_start",
                violation_error_message="The planned end date must be after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__gte=EARLIEST_DATE, planned_end_date__lte=LATEST_DATE),
                name="accounts_apprenticeship_dates_in_range",
                violation_error_message="Programme dates must lie between 2000 and 2100.",
            ),
            models.CheckConstraint(
                condition=Q(otj_target_hours__gte=0),
                name="accounts_apprenticeship_otj_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0) & Q(weekly_hours__lte=60),
                name="accounts_apprenticeship_weekly_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(apprentice__isnull=False) | Q(status__in=["pending", "withdrawn"]),
                name="accounts_apprenticeship_apprentice_unless_pending",
                violation_error_message="Only a pending or withdrawn apprenticeship may have no "
                "apprentice.",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "active", "paused", "gateway", "completed", "withdrawn"]
                ),
                name="accounts_apprenticeship_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(mentor=models.F("apprentice")),
                name="accounts_apprenticeship_not_own_mentor",
                violation_error_message="An apprentice cannot be their own mentor.",
            ),
            models.CheckConstraint(
                condition=~Q(tutor=models.F("apprentice")),
                name="accounts_apprenticeship_not_own_tutor",
                violation_error_message="An apprentice cannot be their own tutor.",
            ),
            models.CheckConstraint(
                condition=Q(tutor__isnull=True) | Q(provider__isnull=False),
                name="accounts_apprenticeship_tutor_needs_provider",
                violation_error_message="Only an apprenticeship with a training provider has a "
                "tutor.",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "status"], name="accounts_app_provider"),
            models.Index(fields=["tutor"], name="accounts_app_tutor"),
        ]

    def __str__(self):
        return (
            f"{self.person}: {self.standard.reference} {self.standard.title} at {self.organisation}"
        )

    def save(self, *args, update_fields=None, **kwargs):
        """Saves everything but the status, which only the status service changes (and
        records): an edit made at the same moment as a status change never undoes it."""
        if self.otj_target_hours is None:
            self.otj_target_hours = self.default_otj_target_hours
        if not self._state.adding:
            changed = self.status != getattr(self, "_status_in_db", self.status)
            if changed or (update_fields is not None and "status" in update_fields):
                raise StatusWriteError(
                    "An apprenticeship's status changes only through "
                    "accounts.status.apprenticeship_status_change."
                )
            if update_fields is None:
                update_fields = [
                    field.name
                    for field in self._meta.concrete_fields
                    if not field.primary_key and field.name != "status"
                ]
        super().save(*args, update_fields=update_fields, **kwargs)
        self._status_in_db = self.status

    def get_absolute_url(self):
        # The apprenticeship's home page draws on every app, so the top app (progress) serves it.
        return reverse("progress:apprenticeship-home", kwargs={"pk": self.pk})

    @property
    def person(self):
        """Who the apprenticeship is for, by name: its apprentice, or while it is pending the
        person invited (from ``with_invited_name``, never a query of its own)."""
        if self.apprentice_id:
            return str(self.apprentice)
        return getattr(self, "invited_name", None) or "Invited apprentice"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._status_in_db = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._status_in_db = self.__dict__.get("status")

    def clean(self):
        super().clean()
        if self.start_date and self.planned_end_date and self._dates_changed():
            errors = programme_date_errors(self.start_date, self.planned_end_date, date.today())
            if errors:
                raise ValidationError(errors)
        if self.mentor_id and self.mentor_id == self.apprentice_id:
            raise ValidationError(
                {"mentor": "An apprentice cannot be their own mentor: choose someone else."},
                code="own_mentor",
            )
        if (
            self.mentor_id
            and self.organisation_id
            and not Membership.objects.filter(
                user_id=self.mentor_id, organisation_id=self.organisation_id
            ).exists()
        ):
            raise ValidationError(
                {"mentor": "The mentor must be a member of the organisation."},
                code="mentor_not_member",
            )

    def _dates_changed(self):
        """A new apprenticeship, or one whose dates are being edited: the programme rules hold
        for the dates as they are set; an edit of the mentor or hours alone does not fail on
        a rule (the start a year ahead at most) that held when the dates were set."""
        if self._state.adding or self.pk is None:
            return True
        saved = Apprenticeship.objects.filter(pk=self.pk).values("start_date", "planned_end_date")
        return list(saved) != [
            {"start_date": self.start_date, "planned_end_date": self.planned_end_date}
        ]

    @property
    def default_otj_target_hours(self):
        return otj_minimum_hours(self.start_date, self.planned_end_date, self.weekly_hours)

    @property
    def duration_months(self):
        """Planned length in months, rounded (26 April 2026 to 25 April 2028 is 24)."""
        return duration_months(self.start_date, self.planned_end_date)

    def month_of_programme(self, today=None):
        """1-based month of the programme today (0 before the start), capped at the duration."""
        return month_of_programme(self.start_date, self.planned_end_date, today or date.today())


class TutorChange(models.Model):
    """A change of an apprenticeship's training provider or tutor: kept for good, so the
    caseload a tutor had, and who moved it, can be told."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="tutor_changes"
    )
    old_provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    old_tutor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    new_tutor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.old_tutor or 'no tutor'} -> {self.new_tutor or 'no tutor'}"

    def describe(self):
        """The change in words, as the apprenticeship's history shows it."""
        parts = []
        if self.old_provider_id != self.new_provider_id:
            parts.append(
                f"training provider {self.old_provider or 'none'} → {self.new_provider or 'none'}"
            )
        if self.old_tutor_id != self.new_tutor_id:
            parts.append(f"tutor {self.old_tutor or 'none'} → {self.new_tutor or 'none'}")
        return ", ".join(parts) or "no change"


class StatusChange(models.Model):
    """A change of an apprenticeship's status: from, to, who, when and why. Kept for good; the
    first record of an apprenticeship has no "from" (it was created)."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField(max_length=10, choices=Apprenticeship.Status, blank=True)
    new_status = models.CharField(max_length=10, choices=Apprenticeship.Status)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.TextField("reason", blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        before = self.get_old_status_display() if self.old_status else "Created"
        return f"{before} -> {self.get_new_status_display()}"
