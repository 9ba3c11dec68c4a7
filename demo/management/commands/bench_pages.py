import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import Apprenticeship, User
from demo.providers import PROVIDER_MANAGER
from skillscan.models import SkillScan


class Command(BaseCommand):
    help = (
        "Benchmark the main pages: migrate this (empty) database, build the demo data set with "
        "1,000 more apprentices, then print each page's median and 95th-percentile server time "
        "and its query count. `make bench` runs it on a fresh SQLite file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apprentices", type=int, default=1000)
        parser.add_argument("--requests", type=int, default=50, help="requests per page")

    def handle(self, *args, apprentices, requests, **options):
        call_command("migrate", verbosity=0)
        if User.objects.exists():
            raise CommandError(
                "The database is not empty: run this on a fresh one (make bench does)."
            )
        started = time.perf_counter()
        call_command("seed_demo", apprentices=apprentices, force=True, stdout=_Quiet())
        self.stdout.write(
            f"Built the data set ({Apprenticeship.objects.count()} apprenticeships) in "
            f"{time.perf_counter() - started:.1f} s; {requests} requests per page."
        )
        first = Apprenticeship.objects.get(apprentice__email="apprentice@example.com")
        draft = SkillScan.objects.get(
            apprenticeship__apprentice__email="apprentice2@example.com", status="draft"
        )
        initial = SkillScan.objects.get(apprenticeship=first, stage="initial")
        near_gateway = Apprenticeship.objects.get(apprentice__email="apprentice3@example.com")
        pages = [
            ("apprentice home", "apprentice@example.com", first.get_absolute_url()),
            ("employer dashboard", "manager@example.com", reverse("progress:dashboard")),
            # Northwind's manager: every Acme Digital apprenticeship, the extra ones included.
            ("provider caseload", PROVIDER_MANAGER, reverse("progress:caseload")),
            ("apprenticeship overview", "manager@example.com", first.get_absolute_url()),
            (
                "scan page",
                "apprentice2@example.com",
                reverse("skillscan:scan-rate", kwargs={"pk": draft.pk, "section": "k"}),
            ),
            ("scan results", "apprentice@example.com", initial.get_absolute_url()),
            (
                "evidence list",
                "apprentice@example.com",
                reverse("tracker:evidence-list", kwargs={"pk": first.pk}),
            ),
            (
                "portfolio",
                "apprentice3@example.com",
                reverse("progress:portfolio", kwargs={"pk": near_gateway.pk}),
            ),
            (
                "portfolio, the assessor's",
                "assessor@example.com",
                reverse("progress:portfolio", kwargs={"pk": near_gateway.pk}),
            ),
            (
                "training plan",
                "mentor@example.com",
                reverse("tracker:plan", kwargs={"pk": first.pk}),
            ),
            ("hours", "mentor@example.com", reverse("tracker:hours", kwargs={"pk": first.pk})),
        ]
        self.stdout.write(f"{'page':<26}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            for name, email, url in pages:
                client = Client()
                client.force_login(User.objects.get(email=email))
                client.get(url)  # warm up, and let the session settle
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                query_count = len(queries)  # now: every request empties the query log
                if response.status_code != 200:
                    raise CommandError(f"{name} answered {response.status_code}")
                timings = []
                for _ in range(requests):
                    began = time.perf_counter()
                    client.get(url)
                    timings.append((time.perf_counter() - began) * 1000)
                timings.sort()
                p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
                self.stdout.write(
                    f"{name:<26}{statistics.median(timings):>10.1f}{p95:>10.1f}{query_count:>9}"
                )


class _Quiet:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass
