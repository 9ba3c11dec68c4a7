"""Benchmark send_reminders: build the demo data set with many apprentices in this (empty)
database, then time one run of the reminders and count its queries. Deciding what is due and
queueing the e-mails is timed apart from sending them, which in-process (no broker) happens
one e-mail at a time after the run commits; a second run, which finds everything sent, is
timed too. `make bench-reminders` runs it on a fresh SQLite file."""

import time
from collections import Counter
from unittest import mock

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext, override_settings

from accounts import outbox
from accounts.models import Apprenticeship, User
from notify import reminders
from notify.management.commands.send_reminders import day_argument
from notify.models import Sent


class Command(BaseCommand):
    help = (
        "Benchmark send_reminders: migrate this (empty) database, build the demo data set with "
        "--apprentices more apprentices, run the reminders, and print the apprenticeships, "
        "the queries, the reminders and the seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apprentices", type=int, default=10000)
        parser.add_argument("--date", dest="day", help="run as on this day (YYYY-MM-DD)")

    def handle(self, *args, apprentices, day=None, **options):
        today = day_argument(day) if day else None
        if apprentices < 0:
            raise CommandError("--apprentices must be 0 or more.")
        call_command("migrate", verbosity=0)
        if User.objects.exists():
            raise CommandError(
                "The database is not empty: run this on a fresh one (make bench-reminders does)."
            )
        started = time.perf_counter()
        call_command("seed_demo", apprentices=apprentices, force=True, stdout=_Quiet())
        count = Apprenticeship.objects.count()
        self.stdout.write(
            f"Built the data set ({count} apprenticeships) in "
            f"{time.perf_counter() - started:.1f} s."
        )
        Sent.objects.all().delete()  # what seeding the demo may have sent
        queued, delivering = [], _Stopwatch(reminders.deliver)
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            mock.patch.object(outbox, "enqueue", queued.append),
            mock.patch.object(reminders, "deliver", delivering),
        ):
            seconds, queries, result = _timed(today)
            delivered = delivering.seconds
            began = time.perf_counter()
            for pk in queued:
                outbox.send(pk)
            sending = time.perf_counter() - began
            again, again_queries, repeat = _timed(today)
        kinds = Counter(Sent.objects.values_list("kind", flat=True))
        self.stdout.write(
            f"apprenticeships {count}\n"
            f"queries {queries}\n"
            f"reminders {result.reminders} to {result.people} people in {result.emails} "
            f"e-mails ({', '.join(f'{kind} {n}' for kind, n in sorted(kinds.items()))})\n"
            f"seconds {seconds:.2f}: deciding and claiming {seconds - delivered:.2f}, "
            f"inbox items and queueing the e-mails {delivered:.2f}\n"
            f"seconds sending the e-mails in-process, after the run {sending:.2f}\n"
            f"second run: {repeat.reminders} reminders, {again_queries} queries, {again:.2f} s"
        )


class _Stopwatch:
    """``function``, adding up the time spent in it."""

    def __init__(self, function):
        self.function, self.seconds = function, 0.0

    def __call__(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began


def _timed(today):
    reset_queries()  # the log holds at most 9,000: seeding filled it
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = reminders.send_reminders(today=today)
        seconds = time.perf_counter() - began
    return seconds, len(queries), result


class _Quiet:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass
