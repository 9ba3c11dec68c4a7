from django.core.management.base import BaseCommand, CommandError

from accounts.models import Apprenticeship
from progress.tally import tally_check, tally_refresh


class Command(BaseCommand):
    help = (
        "The dashboard's stored figures: --check recomputes every apprenticeship's from its "
        "records and fails listing any that differ; --refresh recomputes and stores them all "
        "(after a bulk import that bypassed the models, say)."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true")
        action.add_argument("--refresh", action="store_true")

    def handle(self, *args, check, refresh, **options):
        if refresh:
            ids = list(Apprenticeship.objects.values_list("pk", flat=True))
            tally_refresh(ids)
            self.stdout.write(f"Tallied {len(ids)} apprenticeships.")
            return
        differences = tally_check()
        if differences:
            shown = "; ".join(
                f"apprenticeship {pk} {name}: stored {stored!r}, records say {live!r}"
                for pk, name, stored, live in differences[:20]
            )
            more = f" (and {len(differences) - 20} more)" if len(differences) > 20 else ""
            raise CommandError(f"{len(differences)} stored figures differ: {shown}{more}")
        self.stdout.write("Every stored figure matches the records.")
