import random
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Apprenticeship, Membership, Organisation, StatusChange, User
from demo.evidence import (
    accepted_ksbs,
    moment,
    past,
    plan_evidence,
    plan_reviews,
    save_evidence,
    save_reviews,
    save_sign_offs,
)
from demo.handoff import seed_handoff
from demo.inbox import seed_inboxes
from demo.providers import PROVIDER_PEOPLE, print_logins, seed_provider, seed_review_states
from demo.scans import build_scan, improved, initial_scores, save_scans, with_evidence
from progress.tally import tally_refresh
from standards.models import Standard

DEMO_PASSWORD = "demo-pass-1234"  # noqa: S105 (published demo password, development only)

ACME = "Acme Digital"
GLOBEX = "Globex"

# e-mail, full name, superuser
PEOPLE = [
    ("admin@example.com", "Ada Admin", True),
    ("manager@example.com", "Morgan Manager", False),
    ("mentor@example.com", "Mina Mentor", False),
    ("apprentice@example.com", "Alex Apprentice", False),
    ("apprentice2@example.com", "Bea Beginner", False),
    ("apprentice3@example.com", "Cal Close-to-gateway", False),
    ("globex@example.com", "Gloria Globex", False),
    ("globex.apprentice@example.com", "Gus Globex-apprentice", False),
]
MEMBERS = [
    (ACME, "manager@example.com", Membership.Role.MANAGER),
    (ACME, "mentor@example.com", Membership.Role.MENTOR),
    (GLOBEX, "globex@example.com", Membership.Role.MANAGER),
]
# organisation, apprentice, mentor, months since the start (different points of the programme)
APPRENTICESHIPS = [
    (ACME, "apprentice@example.com", "mentor@example.com", 7),
    (ACME, "apprentice2@example.com", "mentor@example.com", 1),
    (ACME, "apprentice3@example.com", "manager@example.com", 21),
    (GLOBEX, "globex.apprentice@example.com", "globex@example.com", 4),
]


def _add_months(day, months):
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, 28))


class Command(BaseCommand):
    help = (
        "Create the demo data, idempotently: ST0825 (when not loaded yet), the organisations "
        "Acme Digital and Globex with their managers, mentor and apprentices at different points "
        "of their programme, the training provider Northwind Training (Acme's partner) with its "
        "manager and tutor, and the superuser admin@example.com; all verified. Existing users "
        "and apprenticeships are left as they are. Refuses to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"password for the demo users it creates (default {DEMO_PASSWORD})",
        )
        parser.add_argument(
            "--apprentices",
            type=int,
            default=0,
            metavar="N",
            help="also give Acme Digital N more apprentices (apprentice4@example.com, ...)",
        )
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not for production)"
        )

    def handle(self, *args, password, apprentices, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production, and seed_demo creates users with a "
                "published password. Use --force if you really mean it."
            )
        if apprentices < 0:
            raise CommandError("--apprentices must be 0 or more.")
        with transaction.atomic():
            standard = self._standard()
            self.password_hash = make_password(password)
            users = self._users(PEOPLE + PROVIDER_PEOPLE)
            organisations = {
                name: Organisation.objects.get_or_create(name=name)[0] for name in (ACME, GLOBEX)
            }
            for organisation, email, role in MEMBERS:
                Membership.objects.get_or_create(
                    user=users[email],
                    organisation=organisations[organisation],
                    defaults={"role": role},
                )
            today = date.today()
            wanted = [
                (organisations[org], users[email], users[mentor], months)
                for org, email, mentor, months in APPRENTICESHIPS
            ]
            if apprentices:
                extra = [
                    (f"apprentice{n}@example.com", f"Demo Apprentice {n}", False)
                    for n in range(4, 4 + apprentices)
                ]
                users.update(self._users(extra))
                wanted += [
                    (organisations[ACME], users[email], users["mentor@example.com"], 1 + n % 23)
                    for n, (email, _, _) in enumerate(extra)
                ]
            created = self._apprenticeships(standard, wanted, today)
            seed_provider(organisations[ACME], users)
            # Evidence first: the latest scan rates what has accepted evidence at least Developing.
            evidence, reviews = self._tracker(standard, today)
            seed_review_states(users, today)
            scans = self._scans(standard, users, today)
            handoff = seed_handoff(users, self.password_hash, today)
            # Bulk inserts send no signals: tally what was created in one pass.
            tally_refresh(Apprenticeship.objects.values_list("pk", flat=True))
            inbox = seed_inboxes([email for _, email, _, _ in APPRENTICESHIPS])
        self.stdout.write(
            f"Apprenticeships created: {created}; skills scans created: {scans}; evidence "
            f"created: {evidence}; progress reviews created: {reviews}; inbox items: {inbox}."
            f" {handoff}"
        )
        self._print_logins(password, apprentices)

    def _standard(self):
        standard = Standard.objects.filter(reference="ST0825", version="1.0").first()
        if standard:
            self.stdout.write("ST0825 is loaded; left as it is.")
            return standard
        call_command("loaddata", "st0825", verbosity=0)
        self.stdout.write("Loaded ST0825 DevOps engineer.")
        return Standard.objects.get(reference="ST0825", version="1.0")

    def _users(self, people):
        """Create the users that do not exist yet (in bulk, one password hash for all) with
        verified e-mail addresses; return every one of them by e-mail."""
        emails = [email for email, _, _ in people]
        existing = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
        new = [
            User(
                email=email,
                full_name=name,
                password=self.password_hash,
                is_staff=is_superuser,
                is_superuser=is_superuser,
            )
            for email, name, is_superuser in people
            if email.lower() not in existing
        ]
        User.objects.bulk_create(new, batch_size=500)
        users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
        verified = set(
            EmailAddress.objects.filter(user__in=users.values()).values_list("user_id", flat=True)
        )
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users.values()
                if user.pk not in verified
            ],
            batch_size=500,
        )
        self.stdout.write(f"Users created: {len(new)}; already there: {len(existing)}.")
        return users

    def _apprenticeships(self, standard, wanted, today):
        have = set(
            Apprenticeship.objects.filter(
                apprentice__in=[user for _, user, _, _ in wanted], standard=standard
            ).values_list("apprentice_id", flat=True)
        )
        new = []
        for organisation, apprentice, mentor, months in wanted:
            if apprentice.pk in have:
                continue
            start = _add_months(today, -months)
            end = _add_months(start, 24) - timedelta(days=1)
            apprenticeship = Apprenticeship(
                apprentice=apprentice,
                standard=standard,
                organisation=organisation,
                mentor=mentor,
                start_date=start,
                planned_end_date=end,
                status=Apprenticeship.Status.ACTIVE,
            )
            apprenticeship.otj_target_hours = apprenticeship.default_otj_target_hours
            new.append(apprenticeship)
        Apprenticeship.objects.bulk_create(new, batch_size=500)
        for apprenticeship in new:
            # Set up a fortnight before the start; active from the start.
            registered = moment(apprenticeship.start_date - timedelta(days=14), 10)
            apprenticeship.created_at = registered
            apprenticeship.updated_at = past(moment(apprenticeship.start_date), after=registered)
        Apprenticeship.objects.bulk_update(new, ["created_at", "updated_at"], batch_size=500)
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    apprenticeship=apprenticeship,
                    new_status=apprenticeship.status,
                    at=apprenticeship.updated_at,
                    note="Demo data: started on this date.",
                )
                for apprenticeship in new
            ],
            batch_size=500,
        )
        return len(new)

    def _scans(self, standard, users, today):
        """Scans for the apprenticeships that have none: apprentice 1 a validated initial scan
        with disagreements and a submitted review, apprentice 2 a half-done draft, apprentice 3
        nothing yet, Globex's apprentice a submitted initial scan, the extra apprentices a
        validated initial scan each."""
        ksbs = list(standard.ksbs.values_list("pk", flat=True))  # ids, in order
        apprenticeships = (
            Apprenticeship.objects.filter(standard=standard, scans__isnull=True)
            .select_related("apprentice", "mentor")
            .order_by("pk")
        )
        evidenced = accepted_ksbs(apprenticeships)
        built = []
        for apprenticeship in apprenticeships:
            email = apprenticeship.apprentice.email
            seed = email
            first = initial_scores(ksbs, seed)
            latest = with_evidence(first, evidenced[apprenticeship.pk])
            started = apprenticeship.start_date + timedelta(days=14)
            mentor = apprenticeship.mentor
            if email == "apprentice@example.com":
                built.append(
                    build_scan(
                        apprenticeship,
                        ksbs,
                        stage="initial",
                        status="validated",
                        scores=first,
                        started=started,
                        validator=mentor,
                        disagreements=4,
                        seed=seed,
                    )
                )
                built.append(
                    build_scan(
                        apprenticeship,
                        ksbs,
                        stage="review",
                        status="submitted",
                        scores=with_evidence(improved(first, seed), evidenced[apprenticeship.pk]),
                        started=today - timedelta(days=8),
                        seed=seed,
                    )
                )
            elif email == "apprentice2@example.com":
                half = {pk: score for pk, score in latest.items() if pk in set(ksbs[:25])}
                built.append(
                    build_scan(
                        apprenticeship,
                        ksbs,
                        stage="initial",
                        status="draft",
                        scores=half,
                        started=min(started, today),
                        seed=seed,
                    )
                )
            elif email == "apprentice3@example.com":
                continue
            elif email == "globex.apprentice@example.com":
                built.append(
                    build_scan(
                        apprenticeship,
                        ksbs,
                        stage="initial",
                        status="submitted",
                        scores=latest,
                        started=started,
                        seed=seed,
                    )
                )
            else:
                built.append(
                    build_scan(
                        apprenticeship,
                        ksbs,
                        stage="initial",
                        status="validated",
                        scores=latest,
                        started=min(started, today),
                        validator=mentor,
                        disagreements=1,
                        seed=seed,
                    )
                )
        return save_scans(built)

    def _tracker(self, standard, today):
        """Evidence in every state, duty progress with some sign-offs, and progress reviews
        for the apprenticeships that have no evidence yet. Apprentice 3, near the end, has
        every KSB evidenced and most duties signed off, but their review is overdue."""
        apprenticeships = list(
            Apprenticeship.objects.filter(standard=standard, evidence__isnull=True)
            .select_related("apprentice", "mentor")
            .order_by("pk")
        )
        if not apprenticeships:
            return 0, 0
        duties = list(standard.duties.prefetch_related("ksbs"))
        ksbs = list(standard.ksbs.values_list("pk", flat=True))  # ids, in order
        every_state = [
            "accepted",
            "accepted",
            "submitted",
            "accepted",
            "changes_requested",
            "draft",
        ]
        planned, reviews, sign_offs = [], [], {}
        for apprenticeship in apprenticeships:
            email = apprenticeship.apprentice.email
            if email == "apprentice3@example.com":
                items = plan_evidence(
                    apprenticeship,
                    ksbs,
                    26,
                    today,
                    mix=["accepted"] * 8 + ["submitted", "draft", "changes_requested"],
                    seed=email,
                )
                accepted = [pair for pair in items if pair[0].status == "accepted"]
                for index, ksb in enumerate(ksbs):  # near gateway: every KSB evidenced
                    accepted[index % len(accepted)][1].append(ksb)
                for _, chosen in items:
                    chosen[:] = list(dict.fromkeys(chosen))
                sign_offs[apprenticeship.pk] = {d.number for d in duties if d.number <= 10}
                reviews += plan_reviews(apprenticeship, today, overdue=True)
            elif email == "apprentice2@example.com":
                items = plan_evidence(
                    apprenticeship,
                    ksbs,
                    4,
                    today,
                    mix=["accepted", "submitted", "changes_requested", "draft"],
                    seed=email,
                )
            elif email == "apprentice@example.com":
                items = plan_evidence(apprenticeship, ksbs, 12, today, mix=every_state, seed=email)
                sign_offs[apprenticeship.pk] = {2, 3}
                reviews += plan_reviews(apprenticeship, today)
            elif apprenticeship.apprentice.email.startswith("globex"):
                items = plan_evidence(apprenticeship, ksbs, 6, today, mix=every_state, seed=email)
                reviews += plan_reviews(apprenticeship, today)
            else:
                items = plan_evidence(
                    apprenticeship,
                    ksbs,
                    20,
                    today,
                    mix=["accepted"] * 5 + ["submitted"],
                    seed=email,
                    pace=random.Random(email).uniform(0.7, 1.3),
                )
                reviews += plan_reviews(apprenticeship, today)
            planned += items
        count = save_evidence(planned, apprenticeships, lambda a: a.mentor_id)
        save_sign_offs(
            apprenticeships, duties, lambda a, duty: duty.number in sign_offs.get(a.pk, ())
        )
        return count, save_reviews(reviews)

    def _print_logins(self, password, apprentices):
        print_logins(self.stdout, password, apprentices, MEMBERS, APPRENTICESHIPS, ACME)
