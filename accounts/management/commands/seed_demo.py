from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "demo-pass-1234"  # noqa: S105 (published demo password, development only)


class Command(BaseCommand):
    help = (
        "Create the demo users, idempotently: for now the administrator admin@example.com. "
        "Existing users are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"password for new demo users ({DEMO_PASSWORD})",
        )

    @transaction.atomic
    def handle(self, *args, password, **options):
        admin = User.objects.filter(email__iexact="admin@example.com").first()
        if admin is None:
            User.objects.create_superuser("admin@example.com", password, full_name="Ada Admin")
            self.stdout.write("Created admin@example.com (superuser).")
        else:
            self.stdout.write("admin@example.com exists; left as it is.")
