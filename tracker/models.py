import os
import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Apprenticeship, party_field
from accounts.rules import EARLIEST_DATE, LATEST_DATE, dated_record_errors
from core.once import submission_key_column
from core.validators import no_bidi_controls
from standards.models import KSB, Duty

MAX_HOURS_PER_ENTRY = Decimal(24)


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
    title = models.CharField(max_length=200, validators=[no_bidi_controls])
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
    ksbs = models.ManyToManyField(
        KSB, through="EvidenceKSB", related_name="evidence", blank=True, verbose_name="KSBs"
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The key of the form it was logged from: a form sent twice makes one (core.once).
    submission_key = submission_key_column()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-occurred_on", "-pk"]
        indexes = [
            # The employer's queue walks waiting evidence oldest first and stops at a page.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status="submitted"),
                name="tracker_evidence_queue",
            ),
            # ... and counts it, for every apprenticeship it may see, from this small one alone.
            models.Index(
                fields=["apprenticeship"],
                condition=Q(status="submitted"),
                name="tracker_evidence_waiting",
            ),
            # Figures by state per apprenticeship (hours accepted, KSBs covered: the tally).
            models.Index(fields=["apprenticeship", "status"], name="tracker_evidence_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(off_the_job_hours__gte=0) & Q(off_the_job_hours__lte=24),
                name="tracker_evidence_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "accepted", "changes_requested"]),
                name="tracker_evidence_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(occurred_on__gte=EARLIEST_DATE, occurred_on__lte=LATEST_DATE),
                name="tracker_evidence_date_in_range",
                violation_error_message="The date must lie between 2000 and 2100.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:evidence-detail", kwargs={"pk": self.pk})

    def clean(self):
        """Evidence and its hours are dated within the programme: not before the start, not in
        the future (accounts.rules says why and how)."""
        super().clean()
        if self.occurred_on and self.apprenticeship_id:
            errors = dated_record_errors(
                "occurred_on",
                self.occurred_on,
                self.apprenticeship.start_date,
                date.today(),
                "Evidence",
            )
            if errors:
                raise ValidationError(errors)

    @property
    def in_portfolio(self):
        """Accepted evidence is the portfolio: all an end-point assessor may open."""
        return self.status == self.Status.ACCEPTED

    @property
    def is_editable(self):
        """The apprentice may change it: a draft, or sent back with changes requested."""
        return self.status in (self.Status.DRAFT, self.Status.CHANGES_REQUESTED)


class EvidenceKSB(models.Model):
    """A KSB a piece of evidence claims, and whether the employer's latest decision on it
    accepted that KSB. The decisions (KSBDecision) are the record; ``accepted`` is derived from
    the latest one and kept here, so "KSBs with accepted evidence" is one filter (tracker.rules).
    The table is the one Django made for Evidence.ksbs before decisions were per KSB, with its
    unique (evidence, ksb) pair as it was named then."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="ksb_links")
    ksb = models.ForeignKey(KSB, on_delete=models.CASCADE, related_name="evidence_links")
    accepted = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "tracker_evidence_ksbs"
        unique_together = [("evidence", "ksb")]
        verbose_name = "KSB of evidence"
        verbose_name_plural = "KSBs of evidence"

    def __str__(self):
        return f"{self.ksb.code}: {'accepted' if self.accepted else 'not accepted'}"


class EvidenceFeedback(models.Model):
    """One step of a piece of evidence's back-and-forth: a submission, an employer's decision
    (with its outcome per KSB, KSBDecision), a withdrawal or a comment of either side. Never
    edited, so the history is never overwritten."""

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        ACCEPTED = "accepted", "Accepted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn from review"
        COMMENT = "comment", "Reply"

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision)
    party = party_field()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "evidence feedback"

    def __str__(self):
        return f"{self.get_decision_display()}: {self.evidence}"


class KSBDecision(models.Model):
    """One KSB's outcome in an employer's acceptance of a piece of evidence: accepted, or not
    with the reason why. Part of the decision's record, never edited."""

    feedback = models.ForeignKey(
        EvidenceFeedback, on_delete=models.CASCADE, related_name="ksb_decisions"
    )
    ksb = models.ForeignKey(KSB, on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "ksb"], name="tracker_ksbdecision_once"),
        ]

    def __str__(self):
        return f"{self.ksb.code}: {'accepted' if self.accepted else 'not accepted'}"


class DutySignOff(models.Model):
    """The employer signing a duty off, or undoing a sign-off: an event with who, when and why,
    never changed. A duty is signed off while its latest event is a sign-off; everything else
    about a duty (coverage, status) is computed from the evidence when it is read."""

    class Action(models.TextChoices):
        SIGNED_OFF = "signed_off", "Signed off"
        UNDONE = "undone", "Sign-off undone"

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="duty_sign_offs"
    )
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="sign_offs")
    action = models.CharField(max_length=20, choices=Action)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.TextField(blank=True)
    # A sign-off while some of the duty's KSBs had no accepted evidence keeps which they were
    # then and the signer's reason; the pages count what is unevidenced now from the evidence.
    unevidenced_ksbs = models.ManyToManyField(
        KSB, blank=True, related_name="+", verbose_name="KSBs unevidenced at sign-off"
    )
    unevidenced_reason = models.TextField("reason for signing off without evidence", blank=True)
    # A sign-off copied onto the same duty of a newer version of the standard when the
    # apprenticeship moved to it (progress/moves.py): the original event it repeats.
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_to"
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["apprenticeship", "duty", "-id"], name="tracker_signoff_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["signed_off", "undone"]),
                name="tracker_dutysignoff_action_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: duty {self.duty.number}"

    def get_absolute_url(self):
        return reverse(
            "tracker:duty-detail",
            kwargs={"pk": self.apprenticeship_id, "number": self.duty.number},
        )


# The progress review and its records live in their own module; importing them here keeps
# them tracker models.
from .hours_models import (  # noqa: E402, F401
    TimeOff,
    TimesheetDecision,
    TimesheetEntry,
    WorkingHoursChange,
)
from .plan_models import PlanActivity, PlanChange, PlanSignature, TrainingPlan  # noqa: E402, F401
from .review_models import (  # noqa: E402, F401
    ProgressReview,
    ReviewAction,
    ReviewChange,
    ReviewConcern,
    ReviewDocument,
    ReviewReschedule,
    ReviewSignature,
)
