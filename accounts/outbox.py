"""Sending e-mail through the outbox: ``queue_email`` writes the e-mail in the caller's
transaction and has it sent once that commits; ``send`` delivers one e-mail at most once;
``flush`` sends every e-mail whose time has come (those whose first try failed, and those whose
task never reached a broker).

A mail server that is down never undoes the action that sent the e-mail: the e-mail waits and
is tried again, with growing waits, and the people who sent it see that it has not gone yet."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import request_id

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

# What a mail server that is down or refuses raises; anything else is a bug and is raised.
MAIL_ERRORS = (OSError, smtplib.SMTPException)
# What enqueueing raises when the broker is down or unreachable.
BROKER_ERRORS = (OperationalError, OSError)


def queue_email(
    *,
    kind,
    to,
    subject,
    body,
    html="",
    about=None,
    sender=None,
    from_email="",
    headers=None,
    attachments=None,
):
    """Write the e-mail to the outbox in the caller's transaction and enqueue its sending for
    when the transaction commits (at once outside one): rolled back, it is never sent.
    ``attachments``: [{"filename", "content" (text), "mimetype"}]."""
    email = OutgoingEmail(
        kind=kind,
        to=", ".join(to),
        from_email=from_email or "",
        subject=subject,
        body=body,
        html=html,
        headers=headers or {},
        attachments=attachments or [],
        about=about,
        sender=sender if sender is not None and sender.pk else None,
        message_id=make_msgid(domain=_domain()),
        request_id=request_id.get(),
    )
    email.save()
    transaction.on_commit(lambda: enqueue(email.pk))
    return email


def queue_emails(emails):
    """queue_email for many at once: ``emails`` are unsaved OutgoingEmail rows, written in one
    statement in the caller's transaction, each enqueued once it commits."""
    for email in emails:
        email.message_id = email.message_id or make_msgid(domain=_domain())
        email.request_id = request_id.get()
    created = OutgoingEmail.objects.bulk_create(emails, batch_size=500)
    pks = [email.pk for email in created]
    transaction.on_commit(lambda: [enqueue(pk) for pk in pks])
    return created


def _domain():
    """The domain of the Message-IDs: the sender's address's, so they are unique to us."""
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">")
    return address.rpartition("@")[2] or "localhost"


def enqueue(pk):
    """Hand the e-mail to the worker (or, without a broker, send it now). A broker that cannot
    be reached is logged and left: the row stays queued and the next flush sends it."""
    from .tasks import send_outgoing_email

    try:
        send_outgoing_email.apply_async((pk,))
    except BROKER_ERRORS:
        logger.exception("Could not enqueue e-mail %s; the next flush of the outbox sends it", pk)


WAITING = (OutgoingEmail.Status.RETRYING, OutgoingEmail.Status.FAILED)


def not_sent_yet(email):
    """True when the e-mail was tried and did not go (read again from the database): for the
    message after the action that queued it, which without a broker tried it at once."""
    return OutgoingEmail.objects.filter(pk=email.pk, status__in=WAITING).exists()


def not_sent_yet_about(obj):
    """True when the latest e-mail about ``obj`` was tried and did not go."""
    return OutgoingEmail.objects.about(obj).values_list("status", flat=True).first() in WAITING


def not_sent_words(to_whom=""):
    """The sentence saying an e-mail (to ``to_whom``, when named) has not gone yet."""
    to = f" to {to_whom}" if to_whom else ""
    return (
        f"The e-mail{to} has not gone yet (the mail server is not answering); it will be retried."
    )


def not_sent_warning(obj, to_whom=""):
    """What the person who just acted is told when the e-mail about ``obj`` was tried and did
    not go; "" when it went (or waits for a worker)."""
    return not_sent_words(to_whom) if not_sent_yet_about(obj) else ""


def delay_after(attempts):
    """The wait before the next try after ``attempts`` failed ones: 1, 2, 4 ... minutes, up to
    OUTBOX_MAX_DELAY_MINUTES."""
    return timedelta(minutes=min(2 ** (attempts - 1), settings.OUTBOX_MAX_DELAY_MINUTES))


def _lock_due(pk, now):
    """The e-mail, locked, if it is due; None if it is sent, given up, not due yet, or being
    sent by another worker right now (PostgreSQL skips a locked row instead of waiting for it;
    SQLite has one writer at a time, so the check below runs alone)."""
    rows = OutgoingEmail.objects.filter(pk=pk).due(now)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    else:
        rows = rows.select_for_update()
    return rows.first()


def _message(email):
    message = EmailMultiAlternatives(
        email.subject,
        email.body,
        email.from_email or None,
        email.recipients,
        headers={**email.headers, "Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def _forget_body(email):
    email.body = ""
    email.html = ""
    email.attachments = []


def send(pk, *, now=None):
    """Send the e-mail if it is due; returns its status afterwards, or None when there was
    nothing to do. Sent and marked sent in one transaction, so two tries never both send (a
    second delivery of the same task finds it sent). A mail server that fails counts a try and
    sets the next one (or gives up after OUTBOX_MAX_ATTEMPTS)."""
    now = now or timezone.now()
    with transaction.atomic():
        email = _lock_due(pk, now)
        if email is None:
            return None
        try:
            _message(email).send()
        except MAIL_ERRORS as exc:
            email.attempts += 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:200]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
                _forget_body(email)
                logger.error("Gave up e-mail %s after %s tries: %s", pk, email.attempts, exc)
            else:
                email.status = OutgoingEmail.Status.RETRYING
                email.next_try_at = now + delay_after(email.attempts)
                logger.warning("Could not send e-mail %s (try %s): %s", pk, email.attempts, exc)
        else:
            email.attempts += 1
            email.status = OutgoingEmail.Status.SENT
            email.sent_at = now
            email.last_error = ""
            _forget_body(email)
        email.save()
    return email.status


def flush(*, now=None, limit=500):
    """Send every due e-mail, oldest first, each in its own transaction; returns how many were
    sent. Run every minute by Celery beat (or cron: `manage.py flush_outbox`)."""
    now = now or timezone.now()
    due = list(
        OutgoingEmail.objects.due(now)
        .order_by("next_try_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(send(pk, now=now) == OutgoingEmail.Status.SENT for pk in due)
