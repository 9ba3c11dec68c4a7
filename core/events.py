"""Things that happened, told to whoever listens: the apps below the notifications (accounts,
skillscan, tracker) say what happened with ``emit``; the notifications app turns it into inbox
items and e-mails. A listener runs at once, in the emitter's transaction, so a rolled-back
action tells nobody."""

from django.dispatch import Signal

# Sent with kind (a notification kind, e.g. "scan_submitted"), apprenticeship, about (the
# record it is about: a scan, a piece of evidence, a review), actor (who did it) and any
# details the kind's words need.
happened = Signal()


def emit(kind, *, apprenticeship, about=None, actor=None, **details):
    """Tell the listeners that ``kind`` happened on ``apprenticeship``."""
    happened.send(
        sender=kind,
        kind=kind,
        apprenticeship=apprenticeship,
        about=about,
        actor=actor,
        details=details,
    )
