"""Send the digests that are due (daily ones every day, weekly ones on Mondays): for cron
where no Celery beat runs. A second run in the same period sends nothing."""

from django.core.management.base import BaseCommand

from notify.digest import send_digests


class Command(BaseCommand):
    help = "Send every digest e-mail that is due and has not gone out this period."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"Sent {sent} digest(s).")
