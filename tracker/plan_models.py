"""The training plan: what the apprentice will do to close the gaps a validated skills scan
found, agreed (signed) by the three parties as the apprenticeship's commitment.

A plan is proposed from a scan (activities first for the KSBs rated 0-1 and those with no
evidence), edited by the tutor or mentor, then signed by each party. Every edit is a
PlanChange row with who and when; an edit after a signature voids the signatures (kept, with
who voided them). An activity that is done becomes a piece of evidence, which it links to."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Apprenticeship, party_field
from core.validators import no_bidi_controls
from standards.models import KSB

USER = settings.AUTH_USER_MODEL


class TrainingPlan(models.Model):
    """The apprenticeship's plan; its latest is the current one."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="training_plans"
    )
    scan = models.ForeignKey(
        "skillscan.SkillScan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The validated scan the plan was proposed from.",
    )
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["apprenticeship", "-created_at"], name="tracker_plan_latest")
        ]

    def __str__(self):
        return f"Training plan of {self.created_at:%d %B %Y}"

    def get_absolute_url(self):
        return reverse("tracker:plan", kwargs={"pk": self.apprenticeship_id})


class PlanActivity(models.Model):
    """One planned activity: what, when, how many off-the-job hours, for which KSBs."""

    class Kind(models.TextChoices):
        COURSE = "course", "Course"
        PROJECT = "project", "Project work"
        SHADOWING = "shadowing", "Shadowing"
        MENTORING = "mentoring", "Mentoring"
        SELF_STUDY = "self_study", "Self-study"

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(max_length=200, validators=[no_bidi_controls])
    kind = models.CharField(max_length=12, choices=Kind)
    starts_on = models.DateField("planned start")
    ends_on = models.DateField("planned end")
    planned_hours = models.DecimalField("planned off-the-job hours", max_digits=6, decimal_places=2)
    ksbs = models.ManyToManyField(KSB, related_name="plan_activities", blank=True)
    # Set when the activity was carried into a piece of evidence ("done").
    evidence = models.ForeignKey(
        "tracker.Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Removed activities stay, so signed plans can be shown as they were signed.
    removed_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_on", "position", "pk"]
        verbose_name_plural = "plan activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="tracker_planactivity_ends_after_start",
                violation_error_message="An activity ends on or after the day it starts.",
            ),
            models.CheckConstraint(
                condition=Q(planned_hours__gte=0) & Q(planned_hours__lte=2000),
                name="tracker_planactivity_hours_range",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def started(self):
        """Has the activity begun? Only then can it be done and become evidence."""
        return self.starts_on <= date.today()


class PlanChange(models.Model):
    """A change to a plan (proposed, activity added, changed or removed), in words, with who
    and when. Kept for good."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="changes")
    activity = models.ForeignKey(
        PlanActivity, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)
    what = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return self.what


class PlanSignature(models.Model):
    """A party's agreement to the plan as it stood; voided (not deleted) by a later change."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="signatures")
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)
    statement = models.TextField()
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "party"],
                condition=Q(voided_at__isnull=True),
                name="tracker_plansignature_one_current_per_party",
            ),
        ]

    def __str__(self):
        return f"Signed for the {self.party} on {self.at:%d %B %Y}"
