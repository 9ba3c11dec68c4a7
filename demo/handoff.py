"""The demo's records of the plan-to-gateway work: Alex's training plan (partly signed), his
timesheet lines, a holiday and a shorter working week, and Cal at gateway with an end-point
assessor. Each part lives in its own module and goes through the app's services."""

from contextlib import contextmanager

from accounts.models import Apprenticeship
from core.events import happened

from .epa import seed_epa
from .hours import seed_hours
from .plans import APPRENTICE, MENTOR, seed_plans


@contextmanager
def _told_later():
    """The services would tell people now, by e-mail; the demo's inboxes tell its past, dated
    when each thing happened (demo.inbox), and nothing is e-mailed."""
    from notify.receivers import UID, on_happened

    happened.disconnect(dispatch_uid=UID)
    try:
        yield
    finally:
        happened.connect(on_happened, dispatch_uid=UID)


def seed_handoff(users, password_hash, today):
    """Run after the scans and reviews are seeded (the plan needs Alex's validated scan) and
    before the inboxes. Returns a sentence for the command's output."""
    with _told_later():
        return _seed(users, password_hash, today)


def _seed(users, password_hash, today):
    seed_plans(users, today)
    alex = (
        Apprenticeship.objects.filter(
            apprentice=users[APPRENTICE], status=Apprenticeship.Status.ACTIVE
        )
        .order_by("pk")
        .first()
    )
    if alex is not None and not alex.timesheet_entries.exists():
        seed_hours(alex, apprentice=users[APPRENTICE], decider=users[MENTOR], today=today)
    return seed_epa(password_hash, today)
