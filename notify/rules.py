"""The rule book of reminders: when each one is due, and the period it belongs to. A reminder
is sent at most once per period per person and subject (notify.models.Sent's unique
constraint), so the period decides how often it can come back: once per due date, once a
week while overdue, once per piece of evidence, once an ISO week.

Days are the organisation's local days (settings.TIME_ZONE). Working days are Monday to
Friday; bank holidays are not known, so they count as working days.

Who gets reminders: only apprenticeships that are going on. Active ones get them all; one at
gateway has finished its learning (no reviews, hours or scans are asked of it any more), but
evidence it submitted still waits for a decision, so those reminders go on. Pending (the
apprentice has not joined), paused, withdrawn and completed apprenticeships get none."""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from accounts.models import Apprenticeship

# Which reminders an apprenticeship of each status gets.
REMINDED = (Apprenticeship.Status.ACTIVE, Apprenticeship.Status.GATEWAY)
LEARNING = (Apprenticeship.Status.ACTIVE,)

REVIEW_DUE_WITHIN_DAYS = 7
SCAN_NOT_STARTED_AFTER = timedelta(weeks=4)


def is_working_day(day):
    """Monday to Friday."""
    return day.weekday() < 5


def working_days_between(start, end):
    """The working days after ``start`` up to and including ``end``: how long something that
    arrived on ``start`` has waited on ``end``. Friday to the next Monday is 1; a whole week
    is 5, whichever day it starts; the same day is 0; a weekend alone is 0."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    days = weeks * 5
    for offset in range(1, extra + 1):
        if is_working_day(start + timedelta(days=weeks * 7 + offset)):
            days += 1
    return days


def waited_more_than(start, end, working_days):
    """Whether something that arrived on ``start`` has, on ``end``, waited more than
    ``working_days`` working days: exactly that many is not more."""
    return working_days_between(start, end) > working_days


def latest_day_waiting_more_than(today, working_days):
    """The latest day on which something must have arrived to have waited more than
    ``working_days`` working days by ``today`` (every earlier day has waited longer): the
    bound of a query. waited_more_than(day, today, n) holds exactly for day <= this."""
    day, counted = today, 0
    while counted <= working_days:
        if is_working_day(day):
            counted += 1
        day -= timedelta(days=1)
    return day


def start_of_day_after(day):
    """The aware moment the day after ``day`` begins: ``moment < start_of_day_after(day)`` is
    "on or before ``day``" in local time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


# --- when each reminder is due ----------------------------------------------------------------


def review_due_soon(due_on, today):
    """A review due today or within the next 7 days (due in 7 days: yes; in 8: not yet)."""
    return 0 <= (due_on - today).days <= REVIEW_DUE_WITHIN_DAYS


def review_overdue(due_on, today):
    """A review whose day has passed (due today is not overdue)."""
    return due_on < today


def weeks_overdue(due_on, today):
    """Whole weeks since an overdue review's day: 0 from the first day late to the sixth, 1
    from the seventh, and so on. The overdue reminder comes back with each."""
    return (today - due_on).days // 7


def scan_not_started(start_date, today):
    """No scan started 4 weeks after the start: due on the day 4 weeks on, not the day
    before."""
    return today >= start_date + SCAN_NOT_STARTED_AFTER


def scan_due_on(validated_on, interval_weeks):
    """A review scan is due ``interval_weeks`` (the organisation's) after the day the latest
    scan was validated."""
    return validated_on + timedelta(weeks=interval_weeks)


def hours_behind(behind_from, today):
    """Behind on off-the-job hours from the stored day on (progress.models.Tally)."""
    return behind_from is not None and behind_from <= today


# --- periods: how often each can come back ----------------------------------------------------


def due_period(due_on):
    """Once per due date: a new date agreed at a review is a new period."""
    return f"due {due_on.isoformat()}"


def overdue_period(due_on, today):
    """Once per whole week overdue, per due date."""
    return f"due {due_on.isoformat()} week {weeks_overdue(due_on, today)}"


def submission_period(submitted_at):
    """Once per submission of a piece of evidence (sent back and submitted again: again)."""
    return f"submitted {submitted_at.astimezone(UTC).isoformat(timespec='seconds')}"


def week_period(today):
    """Once per ISO week (Monday to Sunday): "2026-W49"."""
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def start_period(start_date):
    """Once per start date (a start date corrected later starts over)."""
    return f"start {start_date.isoformat()}"


def local_day(moment):
    """The local day of an aware moment."""
    return timezone.localdate(moment)
