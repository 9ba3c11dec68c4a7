"""The outbox: every e-mail the app sends, written in the transaction of the action that sends
it and delivered by a task after that transaction commits."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .people import User


class OutgoingEmailQuerySet(models.QuerySet):
    def about(self, obj):
        """The e-mails about ``obj`` (an invitation, a scan, a piece of evidence)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
        )

    def due(self, now=None):
        """Waiting to be sent and whose time has come: the ones the flush sends."""
        return self.filter(
            status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRYING],
            next_try_at__lte=now or timezone.now(),
        )

    def latest_status_for(self, model):
        """A subquery: the status of the latest e-mail about each row of ``model`` (by its
        OuterRef "pk"), for annotating a list in the same query."""
        return Subquery(
            self.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id=OuterRef("pk"),
            )
            .order_by("-created_at", "-pk")
            .values("status")[:1]
        )


class OutgoingEmail(models.Model):
    """One e-mail. Its body holds secrets (invitation and password-reset links, of which the
    app keeps only hashes), so the body is blanked once the e-mail is sent or given up; the
    rest is kept as the record of what was sent to whom. ``message_id`` stays the same on every
    try, so a mail server or client can tell a repeat from a new message."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Not sent yet, retrying"
        FAILED = "failed", "Could not be sent"

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        ACCOUNT = "account", "Account (address, password)"

    # One of Kind, or a notification's kind (notify.catalogue.Kind) for the e-mails it sends.
    kind = models.CharField(max_length=40)
    to = models.TextField("recipients", help_text="Addresses separated by commas.")
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # Extra headers, such as a notification's List-Unsubscribe and List-Unsubscribe-Post.
    headers = models.JSONField(default=dict, blank=True)
    # Text attachments, such as a review's calendar invitation: [{"filename", "content",
    # "mimetype"}]. Forgotten with the body once sent.
    attachments = models.JSONField(default=list, blank=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    sender = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_try_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    # The id of the request that queued it, for following it through the logs.
    request_id = models.CharField(max_length=64, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outgoing e-mail"
        indexes = [
            models.Index(fields=["status", "next_try_at"], name="accounts_outbox_due"),
            models.Index(fields=["content_type", "object_id"], name="accounts_outbox_about"),
        ]

    def __str__(self):
        return f"{self.kind_label} to {self.to} ({self.get_status_display()})"

    @property
    def kind_label(self):
        """What the kind is called: the outbox's own kinds, or a notification's kind as is."""
        try:
            return self.Kind(self.kind).label
        except ValueError:
            return self.kind.replace("_", " ").capitalize()

    @property
    def recipients(self):
        return [address.strip() for address in self.to.split(",") if address.strip()]
