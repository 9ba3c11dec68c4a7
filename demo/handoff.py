"""The demo's records of the plan-to-gateway work: Alex's training plan (partly signed), his
timesheet lines, a holiday and a shorter working week, and Cal at gateway with an end-point
assessor. Each part lives in its own module and goes through the app's services."""

from accounts.models import Apprenticeship

from .epa import seed_epa
from .hours import seed_hours
from .plans import APPRENTICE, MENTOR, seed_plans


def seed_handoff(users, password_hash, today):
    """Run after the scans and reviews are seeded (the plan needs Alex's validated scan).
    Returns a sentence for the command's output."""
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
