"""Changes a person makes to their own notifications: reading inbox items and choosing how
each kind reaches them."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Apprenticeship
from accounts.permissions import Role

from .catalogue import ENTRIES, Channel, Kind, entry
from .models import DigestChoice, Notification, Preference


def offers_digest(user):
    """Only mentors and managers (a membership somewhere) have a digest to choose: it lists
    what waits for them across the apprentices they supervise."""
    return bool(user.organisation_roles)


def kinds_for(user):
    """The kinds that can reach ``user`` as they are now: those for the apprentice when they
    are one, those for a mentor or manager when they are a member somewhere. Everything for a
    service admin, or for someone with no role yet (what they will be is not known)."""
    member = bool(user.organisation_roles)
    apprentice = Apprenticeship.objects.filter(apprentice=user).exists()
    employer = {Role.MENTOR, Role.MANAGER}
    kinds = [
        kind
        for kind, item in ENTRIES.items()
        if (apprentice and Role.APPRENTICE in item.roles)
        or (member and (not item.roles or (item.roles | item.fallback) & employer))
    ]
    return list(ENTRIES) if user.is_superuser or not kinds else kinds


def channels_offered(user, kind):
    """The channels ``user`` may pick for ``kind``: off only for a kind that may be switched
    off, the digest only for those who get one."""
    item = entry(kind)
    offered = [Channel.EMAIL, Channel.DIGEST, Channel.INAPP, Channel.OFF]
    if not offers_digest(user):
        offered.remove(Channel.DIGEST)
    if item.mandatory:
        offered.remove(Channel.OFF)
    return offered


def preferences_of(user):
    """{kind: Channel} for every kind of the catalogue: the user's choice, else the default.
    One query."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: Channel(chosen.get(kind, item.default)) for kind, item in ENTRIES.items()}


def digest_frequency_of(user):
    choice = DigestChoice.objects.filter(user=user).values_list("frequency", flat=True).first()
    return choice or DigestChoice.Frequency.DAILY


@transaction.atomic
def preferences_set(*, user, channels, frequency=None):
    """Store ``channels`` ({kind: channel}) for ``user``, and their digest ``frequency`` when
    given. Only the kinds whose choice differs from what is stored are written; a choice equal
    to the kind's default is kept as a row too, so a later change of default does not change
    what the person chose. Returns how many kinds changed."""
    current = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    rows = [
        Preference(user=user, kind=Kind(kind), channel=Channel(channel))
        for kind, channel in channels.items()
        if current.get(kind) != channel
    ]
    Preference.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["channel", "updated_at"],
    )
    if frequency is not None:
        DigestChoice.objects.bulk_create(
            [DigestChoice(user=user, frequency=frequency)],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["frequency"],
        )
    return len(rows)


def preference_set(*, user, kind, channel):
    """One kind's choice (the one-click unsubscribe), nothing else."""
    return preferences_set(user=user, channels={Kind(kind): Channel(channel)})


def notifications_mark_read(*, user, pks=None, read=True):
    """Mark the user's items ``pks`` (every unread one when None) read, or unread again.
    Returns how many changed."""
    items = Notification.objects.for_user(user)
    if pks is not None:
        items = items.filter(pk__in=pks)
    if read:
        return items.filter(read_at__isnull=True).update(read_at=timezone.now())
    return items.filter(read_at__isnull=False).update(read_at=None)
