"""How long submitted evidence has waited for the employer's decision."""

from django.utils import timezone


def waiting_days(submitted_at, today=None):
    """Whole days since ``submitted_at``, counted in calendar days of the local time zone (sent
    yesterday evening is one day, whatever the hour now); never negative."""
    if submitted_at is None:
        return 0
    today = today or timezone.localdate()
    return max((today - timezone.localdate(submitted_at)).days, 0)


def waiting_label(days):
    """The words a page prints for ``days`` of waiting: "sent today", "waiting 1 day",
    "waiting 6 days"."""
    if days == 0:
        return "sent today"
    return f"waiting {days} day{'' if days == 1 else 's'}"
