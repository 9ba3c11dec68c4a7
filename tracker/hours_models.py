"""Off-the-job hours logged without a piece of evidence (timesheet lines, decided like
evidence), and the records that change the hours target: time off and a change of the working
week. Each is a row with who and when; decisions are rows of their own."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Apprenticeship, party_field
from core.validators import no_bidi_controls
from standards.models import KSB

USER = settings.AUTH_USER_MODEL


class TimesheetEntry(models.Model):
    """A timesheet line: a day's off-the-job hours and what they were spent on."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned"
        WITHDRAWN = "withdrawn", "Withdrawn"

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="timesheet_entries"
    )
    on = models.DateField("date")
    hours = models.DecimalField("off-the-job hours", max_digits=5, decimal_places=2)
    activity = models.CharField(max_length=200, validators=[no_bidi_controls])
    ksbs = models.ManyToManyField(KSB, related_name="timesheet_entries", blank=True)
    # Written only by the timesheet service, next to the decision it records.
    status = models.CharField(max_length=10, choices=Status, default=Status.SUBMITTED)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name_plural = "timesheet entries"
        indexes = [
            models.Index(fields=["apprenticeship", "status"], name="tracker_timesheet_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="tracker_timesheetentry_hours_range",
            ),
        ]

    def __str__(self):
        return f"{self.on:%d %B %Y}: {self.hours} h, {self.activity}"


class TimesheetDecision(models.Model):
    """A decision on a timesheet line (accepted or returned), with who, when and why."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned"
        WITHDRAWN = "withdrawn", "Withdrawn"

    entry = models.ForeignKey(TimesheetEntry, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_decision_display()} on {self.at:%d %B %Y}"


class TimeOff(models.Model):
    """A period away (holiday, sickness, other) that takes its weeks out of the hours target.
    Withdrawn, not deleted, when entered by mistake."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Holiday"
        SICKNESS = "sickness", "Sickness"
        OTHER = "other", "Other leave"

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="time_off"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    starts_on = models.DateField("first day")
    ends_on = models.DateField("last day")
    note = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="tracker_timeoff_ends_after_start",
                violation_error_message="The last day is on or after the first day.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.starts_on:%d %B %Y} to {self.ends_on:%d %B %Y}"


class WorkingHoursChange(models.Model):
    """A change of the apprentice's working week from a day on: the hours target follows it."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="working_hours_changes"
    )
    from_date = models.DateField("from")
    weekly_hours = models.DecimalField("working hours a week", max_digits=4, decimal_places=1)
    previous_weekly_hours = models.DecimalField(max_digits=4, decimal_places=1)
    note = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["from_date", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0) & Q(weekly_hours__lte=60),
                name="tracker_workinghourschange_range",
            ),
        ]

    def __str__(self):
        return f"{self.weekly_hours} hours a week from {self.from_date:%d %B %Y}"
