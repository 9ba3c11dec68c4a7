import os
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Apprenticeship
from standards.models import KSB, Duty

MAX_HOURS_PER_ENTRY = Decimal(24)
REVIEW_INTERVAL = timedelta(weeks=12)


def evidence_upload_to(instance, filename):
    """An unguessable name: the original one is kept in ``attachment_name`` for downloads."""
    extension = os.path.splitext(filename)[1].lower()
    return f"evidence/{uuid.uuid4().hex}{extension}"


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Evidence of the apprenticeships ``user`` may see."""
        return self.filter(apprenticeship__in=Apprenticeship.objects.visible_to(user))


class Evidence(models.Model):
    """Something the apprentice did, mapped to the KSBs it shows, with its off-the-job hours."""

    class ActivityType(models.TextChoices):
        PROJECT_WORK = "project_work", "Project work"
        TRAINING_COURSE = "training_course", "Training course"
        SHADOWING = "shadowing", "Shadowing"
        SELF_STUDY = "self_study", "Self-study"
        MENTORING = "mentoring", "Mentoring"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="evidence"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    occurred_on = models.DateField("date")
    activity_type = models.CharField(
        "activity", max_length=20, choices=ActivityType, default=ActivityType.PROJECT_WORK
    )
    off_the_job_hours = models.DecimalField(
        "off-the-job hours",
        max_digits=4,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_HOURS_PER_ENTRY)],
        help_text="Training time away from normal duties on that day: 0 to 24 hours.",
    )
    url = models.URLField(
        "link",
        max_length=500,
        blank=True,
        help_text="A pull or merge request, commit, pipeline run, issue or document.",
    )
    attachment = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=200)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    ksbs = models.ManyToManyField(KSB, related_name="evidence", blank=True, verbose_name="KSBs")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(off_the_job_hours__gte=0) & Q(off_the_job_hours__lte=24),
                name="tracker_evidence_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "accepted", "changes_requested"]),
                name="tracker_evidence_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:evidence-detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self):
        """The apprentice may change it: a draft, or sent back with changes requested."""
        return self.status in (self.Status.DRAFT, self.Status.CHANGES_REQUESTED)


class EvidenceFeedback(models.Model):
    """One step of a piece of evidence's back-and-forth: a submission or an employer's decision.
    Never edited, so the history is never overwritten."""

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        ACCEPTED = "accepted", "Accepted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "evidence feedback"

    def __str__(self):
        return f"{self.get_decision_display()}: {self.evidence}"


class DutyProgress(models.Model):
    """Where an apprenticeship stands on one duty of its standard."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        EVIDENCED = "evidenced", "Evidenced"
        SIGNED_OFF = "signed_off", "Signed off"

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="duty_progress"
    )
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(max_length=20, choices=Status, default=Status.NOT_STARTED)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "duty progress"
        ordering = ["apprenticeship_id", "duty__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["apprenticeship", "duty"], name="tracker_dutyprogress_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["not_started", "in_progress", "evidenced", "signed_off"]),
                name="tracker_dutyprogress_status_valid",
            ),
        ]

    def __str__(self):
        return f"Duty {self.duty.number}: {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse(
            "tracker:duty-detail",
            kwargs={"pk": self.apprenticeship_id, "number": self.duty.number},
        )


class DutyProgressEvent(models.Model):
    """A sign-off or its undoing, with who, when and why: kept for good."""

    class Action(models.TextChoices):
        SIGNED_OFF = "signed_off", "Signed off"
        UNDONE = "undone", "Sign-off undone"

    duty_progress = models.ForeignKey(DutyProgress, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.duty_progress}"


class ProgressReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(apprenticeship__in=Apprenticeship.objects.visible_to(user))


class ProgressReview(models.Model):
    """The regular three-way progress review, at least every 12 weeks. The employer records it
    and signs it; the apprentice adds their comments and signs; then it is locked."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="reviews"
    )
    held_on = models.DateField("date held")
    next_due_on = models.DateField(
        "next review due", help_text="12 weeks after this one unless you agree otherwise."
    )
    progress = models.TextField("progress discussed")
    actions = models.TextField("agreed actions")
    apprentice_comments = models.TextField("apprentice's comments", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    employer_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    employer_signed_at = models.DateTimeField(null=True, blank=True)
    apprentice_signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgressReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_due_on__gt=models.F("held_on")),
                name="tracker_review_next_after_held",
                violation_error_message="The next review must come after this one.",
            ),
        ]

    def __str__(self):
        return f"Progress review of {self.held_on:%d %B %Y}"

    def get_absolute_url(self):
        return reverse("tracker:progress-review-detail", kwargs={"pk": self.pk})

    @property
    def is_locked(self):
        return bool(self.employer_signed_at and self.apprentice_signed_at)


class StatusChange(models.Model):
    """A change of an apprenticeship's status made in the tracker (such as "at gateway"), with
    who made it and when."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField(max_length=10, choices=Apprenticeship.Status)
    new_status = models.CharField(max_length=10, choices=Apprenticeship.Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_old_status_display()} -> {self.get_new_status_display()}"
