"""Delivering notifications: each one is an inbox item, and, as its recipient chose for its
kind, an e-mail now, a line in their next digest, or nothing more. Everything for many people
is written in a few statements (``deliver``), so a run of reminders for thousands of
apprenticeships costs a bounded number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import OutgoingEmail
from accounts.outbox import queue_emails

from .catalogue import Channel, entry
from .models import Notification, Preference

UNSUBSCRIBE_SALT = "notify.unsubscribe"


@dataclass
class Message:
    """One notification for one person: its words (a title, a one-paragraph body), the path
    of the page to act on, and what it is about."""

    recipient: object  # a User
    kind: str
    title: str
    url: str
    body: str = ""
    apprenticeship: object = None
    about: object = None  # the record the e-mail is about (the outbox's "about")
    actor: object = None
    # For reminders grouped into one e-mail: the name the e-mail's list groups by.
    group: str = ""
    extra: dict = field(default_factory=dict)


def absolute(path):
    """The address of ``path`` on this site, for links in e-mails (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


# --- choices ----------------------------------------------------------------------------------


def channels_for(user_ids, kind):
    """{user id: Channel} for ``kind``: each one's choice, or the kind's default. One query."""
    item = entry(kind)
    if item.mandatory:
        return dict.fromkeys(user_ids, Channel.EMAIL)
    chosen = dict(
        Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "channel")
    )
    return {pk: Channel(chosen.get(pk, item.default)) for pk in user_ids}


def verified_addresses(user_ids):
    """{user id: address} of those whose primary address is verified: nobody else is e-mailed
    (their inbox still gets the item). One query."""
    return dict(
        EmailAddress.objects.filter(user_id__in=user_ids, primary=True, verified=True)
        .filter(user__is_active=True)
        .values_list("user_id", "email")
    )


# --- unsubscribing ----------------------------------------------------------------------------


def unsubscribe_token(user, kind):
    """A signed token that switches off e-mail of ``kind`` for ``user`` and nothing else."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    """(user id, kind) from a token, or None for one that is tampered with or malformed."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(user, kind):
    return absolute(reverse("notify:unsubscribe", kwargs={"token": unsubscribe_token(user, kind)}))


def unsubscribe_headers(user, kind):
    """RFC 8058 one-click unsubscribe: a mail client POSTs List-Unsubscribe=One-Click to the
    link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- sending ----------------------------------------------------------------------------------


def render_email(recipient, kind, messages, subject):
    """An unsaved OutgoingEmail to ``recipient`` listing ``messages`` (one or more of the same
    kind), with its unsubscribe link and headers."""
    context = {
        "recipient": recipient,
        "kind": entry(kind),
        "messages": [(message, absolute(message.url)) for message in messages],
        "grouped": len(messages) > 1,
        "unsubscribe": unsubscribe_url(recipient, kind),
        "preferences": absolute(reverse("notify:preferences")),
        "inbox": absolute(reverse("notify:inbox")),
    }
    first = messages[0]
    return OutgoingEmail(
        kind=kind,
        to=recipient.email,
        subject=" ".join(subject.split())[:998],
        body=render_to_string("notify/email/message.txt", context),
        html=render_to_string("notify/email/message.html", context),
        headers=unsubscribe_headers(recipient, kind),
        about=first.about if len(messages) == 1 else None,
        sender=first.actor if first.actor is not None and first.actor.pk else None,
    )


def deliver(messages, *, grouped_subject=None):
    """Store each message as an inbox item and e-mail it as its recipient chose for its kind
    (switched off: nothing at all). Without ``grouped_subject`` each message is its own
    e-mail; with it (a function of (kind, messages) giving a subject), a person's messages of
    one kind go in one e-mail. Returns the inbox items. A few queries whatever the number."""
    if not messages:
        return []
    by_kind = defaultdict(list)
    for message in messages:
        by_kind[message.kind].append(message)
    user_ids = {message.recipient.pk for message in messages}
    addresses = verified_addresses(user_ids)
    items, emails, emailed = [], [], []
    for kind, of_kind in by_kind.items():
        channels = channels_for({m.recipient.pk for m in of_kind}, kind)
        to_email = defaultdict(list)
        for message in of_kind:
            channel = channels[message.recipient.pk]
            if channel == Channel.OFF:
                continue
            item = Notification(
                recipient=message.recipient,
                kind=kind,
                apprenticeship=message.apprenticeship,
                actor=message.actor if message.actor is not None and message.actor.pk else None,
                title=message.title[:300],
                body=message.body,
                url=message.url,
                for_digest=channel == Channel.DIGEST,
            )
            items.append(item)
            if channel == Channel.EMAIL and message.recipient.pk in addresses:
                to_email[message.recipient.pk].append((message, item))
        for pairs in to_email.values():
            batches = [pairs] if grouped_subject else [[pair] for pair in pairs]
            for batch in batches:
                batch_messages = [message for message, _ in batch]
                subject = (
                    grouped_subject(kind, batch_messages) if grouped_subject else batch[0][0].title
                )
                email = render_email(batch_messages[0].recipient, kind, batch_messages, subject)
                email.to = addresses[batch_messages[0].recipient.pk]
                emails.append(email)
                emailed.append([item for _, item in batch])
    if emails:
        queue_emails(emails)
        for email, batch_items in zip(emails, emailed, strict=True):
            for item in batch_items:
                item.email = email
    return Notification.objects.bulk_create(items, batch_size=500)
