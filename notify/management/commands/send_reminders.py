"""Send the reminders due today: for cron where no Celery beat runs (and for the embedded
default). Safe to run as often as you like: each reminder goes once per period."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from notify.reminders import send_reminders


def day_argument(value):
    """A --date value as a date; a clear error for anything but YYYY-MM-DD."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"--date must be a day as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Send the reminders due today (or on --date) that have not been sent yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            dest="day",
            help="Decide what is due as on this day (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args, day=None, **options):
        result = send_reminders(today=day_argument(day) if day is not None else None)
        people = "person" if result.people == 1 else "people"
        self.stdout.write(
            f"Sent {result.reminders} reminder(s) to {result.people} {people} "
            f"in {result.emails} e-mail(s)."
        )
