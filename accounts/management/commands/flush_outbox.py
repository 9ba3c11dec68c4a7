"""Send the e-mails of the outbox whose time has come: for cron where no Celery beat runs (and
for the embedded default, where a failed e-mail waits for this)."""

from django.core.management.base import BaseCommand, CommandError

from accounts import outbox
from accounts.models import OutgoingEmail


class Command(BaseCommand):
    help = "Send the e-mails waiting in the outbox whose time has come."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help="Send at most this many (default 500)."
        )

    def handle(self, *args, limit, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        sent = outbox.flush(limit=limit)
        waiting = OutgoingEmail.objects.filter(
            status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRYING]
        ).count()
        self.stdout.write(f"Sent {sent} e-mail(s); {waiting} still waiting.")
