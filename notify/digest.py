"""The digest: one e-mail to a mentor or manager listing what waits for them, grouped by
apprentice, oldest first, instead of an e-mail for each notification (their preference for
a kind said "digest"). Daily by default, or weekly on Mondays (DigestChoice).

Each person gets at most one digest per period (the day, or the ISO week): a run inserts a
``Sent`` row per person it would send to and sends only to those whose row it inserted
itself (marked with its run), so a second run, a clock that jumps back or two runs at once
send nothing twice. The unique constraint decides, not a check before sending."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, OutgoingEmail
from accounts.outbox import queue_emails
from accounts.permissions import role_of

from .catalogue import Channel
from .delivery import absolute, unsubscribe_headers, unsubscribe_url, verified_addresses
from .models import DigestChoice, Notification, Sent
from .services import preferences_of, preferences_set

DIGEST = "digest"  # the Sent kind and subject, the e-mail's kind and its unsubscribe kind
NOT_ABOUT_AN_APPRENTICE = "Other"
# People whose waiting items are read together: bounded memory and query size.
CHUNK = 500


def period_of(frequency, day):
    """The period a digest of ``frequency`` sent on ``day`` belongs to: "2026-12-07" or
    "2026-W50" (ISO week, Monday to Sunday)."""
    if frequency == DigestChoice.Frequency.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def is_due(frequency, day):
    """A daily digest goes every day; a weekly one on Mondays."""
    return frequency != DigestChoice.Frequency.WEEKLY or day.weekday() == 0


@dataclass
class Group:
    """The items about one apprentice, oldest first."""

    name: str
    items: list = field(default_factory=list)


def group_items(items):
    """[Group] by apprentice (items about no apprenticeship under "Other"), the group whose
    oldest item waited longest first; items oldest first within each group."""
    groups = {}
    for item in sorted(items, key=lambda item: (item.created_at, item.pk)):
        name = item.apprenticeship.person if item.apprenticeship else NOT_ABOUT_AN_APPRENTICE
        groups.setdefault(name, Group(name)).items.append(item)
    return list(groups.values())


def _visible(item, user, member_roles):
    """Whether ``user`` still has a role on the item's apprenticeship (role_of, with the
    memberships read for everyone at once); items about none stay."""
    if item.apprenticeship is None:
        return True
    member_role = member_roles.get(item.apprenticeship.organisation_id)
    return role_of(user, item.apprenticeship, member_role=member_role) is not None


def _render(user, address, groups):
    count = sum(len(group.items) for group in groups)
    context = {
        "recipient": user,
        "groups": [
            (group.name, [(item, absolute(item.url)) for item in group.items]) for group in groups
        ],
        "count": count,
        "inbox": absolute(reverse("notify:inbox")),
        "preferences": absolute(reverse("notify:preferences")),
        "unsubscribe": unsubscribe_url(user, DIGEST),
    }
    things = "thing waits" if count == 1 else "things wait"
    about = f"{len(groups)} apprentice" + ("" if len(groups) == 1 else "s")
    return OutgoingEmail(
        kind=DIGEST,
        to=address,
        subject=f"Your digest: {count} {things} for you ({about})",
        body=render_to_string("notify/email/digest.txt", context),
        html=render_to_string("notify/email/digest.html", context),
        headers=unsubscribe_headers(user, DIGEST),
    )


def _due_people(user_ids, day):
    """{user id: period} of those whose digest is due on ``day``. One query."""
    chosen = dict(
        DigestChoice.objects.filter(user_id__in=user_ids).values_list("user_id", "frequency")
    )
    frequencies = {pk: chosen.get(pk, DigestChoice.Frequency.DAILY) for pk in user_ids}
    return {pk: period_of(f, day) for pk, f in frequencies.items() if is_due(f, day)}


def _send_chunk(periods, now):
    """Send the digests of the people of ``periods`` ({user id: period}); a few queries."""
    addresses = verified_addresses(list(periods))
    waiting = list(
        Notification.objects.filter(
            recipient_id__in=list(addresses),
            for_digest=True,
            digested_at__isnull=True,
            created_at__lte=now,
        )
        .select_related("recipient", "apprenticeship__apprentice")
        .order_by("created_at", "pk")
    )
    member_roles = defaultdict(dict)
    for user_id, organisation_id, role in Membership.objects.filter(
        user_id__in=list(addresses)
    ).values_list("user_id", "organisation_id", "role"):
        member_roles[user_id][organisation_id] = role
    by_user = defaultdict(list)
    for item in waiting:
        by_user[item.recipient_id].append(item)
    run = uuid.uuid4()
    with transaction.atomic():
        Sent.objects.bulk_create(
            [
                Sent(recipient_id=pk, kind=DIGEST, subject=DIGEST, period=periods[pk], run=run)
                for pk, items in by_user.items()
                if any(_visible(i, i.recipient, member_roles[pk]) for i in items)
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        ours = set(Sent.objects.filter(run=run).values_list("recipient_id", flat=True))
        emails, done = [], []
        for pk in ours:
            items = by_user[pk]
            user = items[0].recipient
            shown = [item for item in items if _visible(item, user, member_roles[pk])]
            emails.append(_render(user, addresses[pk], group_items(shown)))
            # Those left out are done with too: the person can no longer see them.
            done.extend(item.pk for item in items)
        if emails:
            queue_emails(emails)
            Notification.objects.filter(pk__in=done).update(digested_at=now)
    return len(emails)


def send_digests(now=None):
    """Send every digest due at ``now`` (default: now) that its period has not had yet.
    Returns how many were sent. Queries: a few per 500 people, none per person."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    user_ids = list(
        Notification.objects.filter(for_digest=True, digested_at__isnull=True)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for start in range(0, len(user_ids), CHUNK):
        periods = _due_people(user_ids[start : start + CHUNK], day)
        if periods:
            sent += _send_chunk(periods, now)
    return sent


@transaction.atomic
def digest_unsubscribe(*, user):
    """The digest's one-click unsubscribe: every kind the person had in their digest comes
    only to their inbox from now on, and what waits for the next digest is not sent."""
    chosen = preferences_of(user)
    preferences_set(
        user=user,
        channels={
            kind: Channel.INAPP for kind, channel in chosen.items() if channel == Channel.DIGEST
        },
    )
    Notification.objects.filter(recipient=user, for_digest=True, digested_at__isnull=True).update(
        for_digest=False
    )
