"""Demo timesheet lines, a holiday and a change of the working week for one apprenticeship,
written through the hours services (so the records, the target and the dashboard agree)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from tracker.services.hours import (
    time_off_record,
    timesheet_decide,
    timesheet_log,
    working_hours_change,
)

# (days before today, hours, what was done, accepted?)
LINES = [
    (75, "7", "Kubernetes fundamentals workshop", True),
    (61, "3.5", "Security awareness e-learning", True),
    (40, "2", "Reading group: Site Reliability Engineering, chapter 4", True),
    (3, "4", "Incident review training", False),
]


def seed_hours(apprenticeship, *, apprentice, decider, today=None):
    """Four timesheet lines of ``apprenticeship`` (three accepted by ``decider``, who may
    decide its hours; the latest waiting), a week's holiday a month ago recorded by
    ``decider``, and a working week of 4 hours less from two weeks ago. Dates before the
    programme's start are moved onto it. Returns the lines."""
    today = today or timezone.localdate()
    start = apprenticeship.start_date

    def day(days_ago):
        return max(start, today - timedelta(days=days_ago))

    ksbs = list(apprenticeship.standard.ksbs.filter(kind="K").order_by("number")[:2])
    lines = []
    for days_ago, hours, activity, accepted in LINES:
        entry = timesheet_log(
            user=apprentice,
            apprenticeship=apprenticeship,
            on=day(days_ago),
            hours=Decimal(hours),
            activity=activity,
            ksbs=ksbs[: len(lines) % 3],
            today=today,
        )
        if accepted:
            timesheet_decide(user=decider, entry=entry, decision="accepted")
        lines.append(entry)
    holiday = day(30) - timedelta(days=day(30).weekday())  # the Monday of that week
    time_off_record(
        user=decider,
        apprenticeship=apprenticeship,
        kind="holiday",
        starts_on=max(start, holiday),
        ends_on=max(start, holiday + timedelta(days=4)),
        note="Summer holiday",
    )
    apprenticeship.refresh_from_db()
    working_hours_change(
        user=decider,
        apprenticeship=apprenticeship,
        from_date=day(14),
        weekly_hours=max(apprenticeship.weekly_hours - 4, Decimal(1)),
        note="Agreed a shorter Friday.",
    )
    return lines
