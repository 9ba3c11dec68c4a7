from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Apprenticeship, party_field
from standards.models import KSB


class Score(models.IntegerChoices):
    """The rating scale, in one place. Each level has a short label and a descriptor."""

    NOT_YET = 0, "Not yet"
    AWARE = 1, "Aware"
    DEVELOPING = 2, "Developing"
    COMPETENT = 3, "Competent"
    EXPERT = 4, "Expert"

    @property
    def descriptor(self):
        return SCORE_DESCRIPTORS[self.value]


SCORE_DESCRIPTORS = {
    0: "no knowledge or experience",
    1: "knows of it, little practice",
    2: "can do it with support",
    3: "does it independently and reliably",
    4: "could lead or teach others",
}
SCORE_RANGE = Q(score__gte=0) & Q(score__lte=4)
# Scores this far apart (apprentice against employer) are flagged as a disagreement.
DISAGREEMENT_GAP = 2
# A KSB agreed at this score or above counts as prior learning.
COMPETENT = Score.COMPETENT


def agreed(score, employer_score):
    """A rating's agreed score: the employer's score where given, else the apprentice's."""
    return score if employer_score is None else employer_score


class SkillScanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Scans of the apprenticeships ``user`` may see (see Apprenticeship.visible_to)."""
        return self.filter(apprenticeship__in=Apprenticeship.objects.visible_to(user))

    def submitted(self):
        return self.filter(status__in=[SkillScan.Status.SUBMITTED, SkillScan.Status.VALIDATED])


class SkillScan(models.Model):
    """An apprentice's self-rating against every KSB of their standard at one point in time."""

    class Stage(models.TextChoices):
        INITIAL = "initial", "Initial"
        REVIEW = "review", "Review"
        FINAL = "final", "Final"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Awaiting validation"
        VALIDATED = "validated", "Validated"

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="scans"
    )
    stage = models.CharField(max_length=10, choices=Stage)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    validated_party = party_field("validated for")
    validated_at = models.DateTimeField(null=True, blank=True)

    objects = SkillScanQuerySet.as_manager()

    class Meta:
        ordering = ["apprenticeship_id", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["apprenticeship"],
                condition=Q(status="draft"),
                name="skillscan_one_draft_per_apprenticeship",
                violation_error_message="There is already a scan in progress.",
            ),
            models.UniqueConstraint(
                fields=["apprenticeship", "stage"],
                condition=Q(stage__in=["initial", "final"]),
                name="skillscan_one_initial_and_one_final",
                violation_error_message="There is already a scan of this stage.",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=["initial", "review", "final"]),
                name="skillscan_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "validated"]),
                name="skillscan_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="skillscan_submitted_has_a_date",
                violation_error_message="A submitted scan has the time it was submitted.",
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} skills scan of {self.apprenticeship}"

    def get_absolute_url(self):
        return reverse("skillscan:scan-results", kwargs={"pk": self.pk})

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def is_locked(self):
        return self.status != self.Status.DRAFT


class Rating(models.Model):
    """One KSB of a scan: the apprentice's score and comment, and the employer's."""

    scan = models.ForeignKey(SkillScan, on_delete=models.CASCADE, related_name="ratings")
    ksb = models.ForeignKey(KSB, on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField(choices=Score)
    comment = models.TextField(blank=True)
    employer_score = models.PositiveSmallIntegerField(choices=Score, null=True, blank=True)
    employer_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["scan_id", "ksb_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scan", "ksb"], name="skillscan_rating_scan_ksb_unique"
            ),
            models.CheckConstraint(condition=SCORE_RANGE, name="skillscan_rating_score_range"),
            models.CheckConstraint(
                condition=Q(employer_score__isnull=True)
                | (Q(employer_score__gte=0) & Q(employer_score__lte=4)),
                name="skillscan_rating_employer_score_range",
            ),
        ]

    def __str__(self):
        return f"{self.ksb.code}: {self.score}"

    def clean(self):
        super().clean()
        if (
            self.scan_id
            and self.ksb_id
            and self.ksb.standard_id != self.scan.apprenticeship.standard_id
        ):
            raise ValidationError(
                {"ksb": "This KSB is not part of the scan's standard."}, code="ksb_other_standard"
            )

    @property
    def agreed_score(self):
        """The employer's score where given, else the apprentice's."""
        return agreed(self.score, self.employer_score)

    @property
    def is_disagreement(self):
        return (
            self.employer_score is not None
            and abs(self.employer_score - self.score) >= DISAGREEMENT_GAP
        )


class RatingChange(models.Model):
    """A change made to a rating after its scan was submitted: who, when, old and new value."""

    class Field(models.TextChoices):
        SCORE = "score", "Apprentice's score"
        COMMENT = "comment", "Apprentice's comment"
        EMPLOYER_SCORE = "employer_score", "Employer's score"
        EMPLOYER_COMMENT = "employer_comment", "Employer's comment"

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=20, choices=Field)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.rating.ksb.code} {self.field}: {self.old_value!r} -> {self.new_value!r}"
