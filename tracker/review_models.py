"""The progress review: the regular three-way meeting of the apprentice, the employer and the
training provider (the provider only where one delivers the apprenticeship).

A review is scheduled, then held and written up (a draft), then signed by each party in turn.
Its stage is derived from what is stored: no date held yet is "scheduled"; no signature of
the current content is "draft"; some is "signing"; all parties' is "signed". The records of
what happened (reschedules, signatures, changes after a signature, concerns raised, the PDF)
are rows of their own that are never rewritten."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Apprenticeship
from accounts.rules import EARLIEST_DATE, LATEST_DATE, review_date_errors
from core.once import submission_key_column
from standards.models import KSB

USER = settings.AUTH_USER_MODEL


class Party(models.TextChoices):
    APPRENTICE = "apprentice", "Apprentice"
    EMPLOYER = "employer", "Employer"
    PROVIDER = "provider", "Training provider"


class Stage(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DRAFT = "draft", "Being written up"
    SIGNING = "signing", "Being signed"
    SIGNED = "signed", "Signed by all"


YES_NO = [(True, "Yes"), (False, "No")]


class ProgressReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(apprenticeship__in=Apprenticeship.objects.visible_to(user))

    def held(self):
        """Reviews that have taken place (a scheduled one has no date held yet)."""
        return self.filter(held_on__isnull=False)


class ProgressReview(models.Model):
    """The regular three-way progress review, at least every 12 weeks.

    ``employer_signed_*``, ``apprentice_signed_at`` and ``provider_signed_*`` mirror the
    signatures of the current content (ReviewSignature holds every signature), so that the
    dashboards can read "signed by all" in SQL; a change after a signature clears them."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="reviews"
    )
    # Scheduling
    scheduled_for = models.DateTimeField("date and time", null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField("length in minutes", default=60)
    location = models.CharField("place", max_length=200, blank=True)
    online_link = models.URLField("online meeting link", max_length=500, blank=True)
    attendees = models.TextField(blank=True)
    scheduled_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_after = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_next",
        help_text="The signed review whose signing proposed this one.",
    )
    # The record of the meeting
    held_on = models.DateField("date held", null=True, blank=True)
    next_due_on = models.DateField(
        "next review due",
        null=True,
        blank=True,
        help_text="12 weeks after this one unless you agree otherwise.",
    )
    progress = models.TextField("progress and achievements", blank=True)
    otj_summary = models.TextField("off-the-job training since the last review", blank=True)
    ksb_targets = models.ManyToManyField(
        KSB, blank=True, related_name="+", verbose_name="KSB targets for the next period"
    )
    actions = models.TextField("other notes on agreed actions", blank=True)
    wellbeing_ok = models.BooleanField("wellbeing checked and fine", null=True, blank=True)
    wellbeing_note = models.TextField("wellbeing note", blank=True)
    safeguarding_ok = models.BooleanField("safeguarding checked and fine", null=True, blank=True)
    safeguarding_note = models.TextField("safeguarding note", blank=True)
    prevent_ok = models.BooleanField("Prevent duty discussed", null=True, blank=True)
    prevent_note = models.TextField("Prevent note", blank=True)
    support_needs = models.TextField("support needs", blank=True)
    needs_english_maths = models.BooleanField(
        "the apprenticeship needs English and maths", default=False
    )
    english_maths = models.TextField("English and maths progress", blank=True)
    apprentice_comments = models.TextField("apprentice's comments", blank=True)
    # What changed since the last review, as progress.review_prefill worked it out when the
    # review was opened (dates as ISO strings); kept as it was once the review is signed.
    prefill = models.JSONField(null=True, blank=True, editable=False)
    content_version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Mirrors of the current content's signatures (see the class docstring).
    employer_signed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    employer_signed_at = models.DateTimeField(null=True, blank=True)
    apprentice_signed_at = models.DateTimeField(null=True, blank=True)
    provider_signed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider_signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submission_key = submission_key_column()

    objects = ProgressReviewQuerySet.as_manager()

    class Meta:
        ordering = [models.F("held_on").desc(nulls_last=True), "-scheduled_for", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_due_on__gt=models.F("held_on")),
                name="tracker_review_next_after_held",
                violation_error_message="The next review must come after this one.",
            ),
            models.CheckConstraint(
                condition=Q(held_on__gte=EARLIEST_DATE, next_due_on__lte=LATEST_DATE),
                name="tracker_review_dates_in_range",
                violation_error_message="Review dates must lie between 2000 and 2100.",
            ),
            models.CheckConstraint(
                condition=Q(held_on__isnull=False) | Q(scheduled_for__isnull=False),
                name="tracker_review_held_or_scheduled",
                violation_error_message="A review is either held or scheduled.",
            ),
        ]

    def __str__(self):
        if self.held_on:
            return f"Progress review of {self.held_on:%d %B %Y}"
        return f"Progress review planned for {self.scheduled_for:%d %B %Y}"

    def get_absolute_url(self):
        return reverse("tracker:progress-review-detail", kwargs={"pk": self.pk})

    def clean(self):
        """Held within the programme and not in the future; the next one due after it and
        within a year (accounts.rules)."""
        super().clean()
        if self.held_on and self.apprenticeship_id:
            errors = review_date_errors(
                self.held_on, self.next_due_on, self.apprenticeship.start_date, date.today()
            )
            if errors:
                raise ValidationError(errors)

    # --- the stage, derived ---------------------------------------------------------------

    @property
    def parties(self):
        """The parties who sign: the provider only where one delivers the apprenticeship."""
        if self.apprenticeship.provider_id:
            return [Party.APPRENTICE, Party.EMPLOYER, Party.PROVIDER]
        return [Party.APPRENTICE, Party.EMPLOYER]

    def signed_at_of(self, party):
        return getattr(self, f"{party}_signed_at")

    @property
    def signed_parties(self):
        """The parties whose signature of the current content is in (read without the
        apprenticeship)."""
        return [party for party in Party.values if self.signed_at_of(party)]

    @property
    def first_signed_at(self):
        """When the current content was first signed (None before)."""
        times = [self.signed_at_of(party) for party in self.signed_parties]
        return min(times) if times else None

    @property
    def is_signed(self):
        """Signed by every party: final. Reads the apprenticeship only when the apprentice and
        the employer have signed and the provider has not (does one deliver it?)."""
        if self.held_on is None or not (self.employer_signed_at and self.apprentice_signed_at):
            return False
        return bool(self.provider_signed_at) or not self.apprenticeship.provider_id

    # The dashboards' word for it.
    is_locked = is_signed

    @property
    def content_locked(self):
        """Locked from the first signature: a change then voids the signatures."""
        return bool(self.signed_parties)

    @property
    def stage(self):
        if self.held_on is None:
            return Stage.SCHEDULED
        if self.is_signed:
            return Stage.SIGNED
        return Stage.SIGNING if self.content_locked else Stage.DRAFT

    @property
    def place(self):
        return " · ".join(part for part in (self.location, self.online_link) if part)


class ReviewReschedule(models.Model):
    """A change of a scheduled review's date, time or place: the old and new, who and why."""

    review = models.ForeignKey(ProgressReview, on_delete=models.CASCADE, related_name="reschedules")
    old_scheduled_for = models.DateTimeField()
    new_scheduled_for = models.DateTimeField()
    old_place = models.CharField(max_length=800, blank=True)
    new_place = models.CharField(max_length=800, blank=True)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"Moved from {self.old_scheduled_for:%d %B %Y %H:%M}"


class ReviewAction(models.Model):
    """An action agreed at a review, with its owner, due date and state. An action still open
    when the next review is written up is carried into it as a new row (``carried_from``), so
    the signed review's row stays as it was signed."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    review = models.ForeignKey(
        ProgressReview, on_delete=models.CASCADE, related_name="action_items"
    )
    text = models.CharField("action", max_length=500)
    owner = models.CharField(max_length=20, choices=Party.choices)
    due_on = models.DateField("due by")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_into"
    )
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=EARLIEST_DATE, due_on__lte=LATEST_DATE),
                name="tracker_review_action_due_in_range",
                violation_error_message="The due date must lie between 2000 and 2100.",
            ),
            models.UniqueConstraint(
                fields=["review", "carried_from"], name="tracker_review_action_carried_once"
            ),
        ]

    def __str__(self):
        return self.text


class ReviewSignature(models.Model):
    """A party's signature of one version of the review's content, with the words signed and
    the signer's name as it was. A signature of an older version is void (kept, shown so)."""

    review = models.ForeignKey(ProgressReview, on_delete=models.CASCADE, related_name="signatures")
    party = models.CharField(max_length=20, choices=Party.choices)
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=200)
    statement = models.CharField(max_length=300)
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField()
    content_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "party", "content_version"],
                name="tracker_review_signature_once_per_version",
            )
        ]

    def __str__(self):
        return f"{self.name} for the {self.get_party_display().lower()}"


class ReviewChange(models.Model):
    """A change to a review's content after it was signed: the fields, their old and new
    values, and the signatures it voided."""

    review = models.ForeignKey(ProgressReview, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(help_text='{"field label": ["old", "new"]}')
    from_version = models.PositiveIntegerField()
    to_version = models.PositiveIntegerField()
    voided = models.JSONField(default=list, help_text="The names of the signatures voided.")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"Change to version {self.to_version}"


class ReviewConcern(models.Model):
    """A safeguarding concern raised at a review: seen by the provider's safeguarding roles
    only (accounts.permissions Action.SEE_SAFEGUARDING), never by an employer user, and not
    part of the signed record or its PDF."""

    review = models.ForeignKey(ProgressReview, on_delete=models.CASCADE, related_name="concerns")
    note = models.TextField()
    raised_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["raised_at", "pk"]

    def __str__(self):
        return f"Safeguarding concern of {self.raised_at:%d %B %Y}"


class ReviewDocument(models.Model):
    """The PDF of a review signed by all, made once and downloaded by everyone from then on."""

    review = models.OneToOneField(ProgressReview, on_delete=models.CASCADE, related_name="document")
    name = models.CharField(max_length=300, help_text="Its name in the storage.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"PDF of {self.review}"
