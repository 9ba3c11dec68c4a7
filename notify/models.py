"""Inbox items, each person's choice per kind of notification, and the reminders and digests
already sent (so a second run in the same period sends nothing: a unique constraint decides,
not a check before sending)."""

import uuid

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Apprenticeship, OutgoingEmail, User

from .catalogue import Channel, Kind


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The inbox of ``user``: their items about apprenticeships they still have a role on
        (the permission table decides) and those about none, newest first."""
        from accounts.permissions import apprenticeships_where

        # Asked per item of the user's (an index lookup each), not as the set of every
        # apprenticeship they see: that set was read whole on every page, 10,000 rows for a
        # manager of 10,000 apprenticeships, for the bell's count of a handful of items.
        visible = Apprenticeship.objects.filter(
            apprenticeships_where(user), pk=OuterRef("apprenticeship_id")
        )
        return self.filter(Q(apprenticeship__isnull=True) | Exists(visible), recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One item of a person's inbox. It is kept whatever became of its e-mail (a mail server
    that is down does not lose it)."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=Kind)
    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # The path of the page to act on.
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Held for the recipient's next digest (their preference for the kind said so) until
    # ``digested_at``, when a digest listed it.
    for_digest = models.BooleanField(default=False)
    digested_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey(
        OutgoingEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notify_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notify_unread",
            ),
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(for_digest=True, digested_at__isnull=True),
                name="notify_digest_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient}: {self.title}"

    def get_absolute_url(self):
        return self.url

    @property
    def is_read(self):
        return self.read_at is not None


class Preference(models.Model):
    """How ``user`` wants notifications of ``kind``; without a row, the kind's default."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_choices")
    kind = models.CharField(max_length=40, choices=Kind)
    channel = models.CharField(max_length=10, choices=Channel)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notify_preference_unique"),
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} by {self.channel}"


class DigestChoice(models.Model):
    """How often a mentor or manager gets their digest (when any kind goes to it)."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly (on Mondays)"

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="digest_choice"
    )
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.DAILY)

    def __str__(self):
        return f"{self.user}: {self.frequency} digest"


class Sent(models.Model):
    """A reminder (or a digest) sent to ``recipient``, about ``subject`` (such as
    "apprenticeship:12" or "evidence:34"), for ``period`` (such as "2026-W49" or "due
    2027-01-10"). The unique constraint is the rule "at most once per period per person and
    subject": a run inserts what it would send, and sends only the rows it inserted itself
    (marked with its ``run``); a second run, a clock that jumps back, or two runs at once
    find the rows there and send nothing."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=100)
    period = models.CharField(max_length=40)
    run = models.UUIDField(default=uuid.uuid4, db_index=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "sent reminder"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject", "period"], name="notify_sent_once"
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.recipient} about {self.subject} for {self.period}"
