from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from standards.models import Standard

DEMO_PASSWORD = "demo-pass-1234"  # noqa: S105 (published demo password, development only)


class Command(BaseCommand):
    help = (
        "Create the demo data, idempotently: ST0825 from its fixture when it is not loaded yet "
        "(never overwriting edits made in admin) and the administrator admin@example.com. "
        "Existing data is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"password for new demo users ({DEMO_PASSWORD})",
        )

    @transaction.atomic
    def handle(self, *args, password, **options):
        if Standard.objects.filter(reference="ST0825", version="1.0").exists():
            self.stdout.write("ST0825 is loaded; left as it is.")
        else:
            call_command("loaddata", "st0825", verbosity=0)
            self.stdout.write("Loaded ST0825 DevOps engineer.")
        admin = User.objects.filter(email__iexact="admin@example.com").first()
        if admin is None:
            User.objects.create_superuser("admin@example.com", password, full_name="Ada Admin")
            self.stdout.write("Created admin@example.com (superuser).")
        else:
            self.stdout.write("admin@example.com exists; left as it is.")
