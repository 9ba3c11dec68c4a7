"""Turns what the apps below say happened (core.events) into notifications."""

from django.dispatch import receiver

from core.events import happened

from .delivery import deliver
from .events import messages_for

UID = "notify.on_happened"


@receiver(happened, dispatch_uid=UID)
def on_happened(sender, *, kind, apprenticeship, about, actor, details, **kwargs):
    deliver(messages_for(kind, apprenticeship=apprenticeship, about=about, actor=actor, **details))
