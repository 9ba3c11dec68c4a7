"""The demo's training provider: Northwind Training, partnered with Acme Digital (not with
Globex), its manager and a tutor whose caseload is Acme's apprentices. Idempotent, like the
rest of seed_demo."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Apprenticeship, Membership, Organisation, Partnership, TutorChange

from .epa import EPA_LOGINS

NORTHWIND = "Northwind Training"
TUTOR = "tutor@example.com"
PROVIDER_MANAGER = "provider.manager@example.com"
# e-mail, full name, superuser (as seed_demo's PEOPLE)
PROVIDER_PEOPLE = [
    (TUTOR, "Tomi Tutor", False),
    (PROVIDER_MANAGER, "Priya Provider-manager", False),
]
ACME_APPRENTICES = ("apprentice@example.com", "apprentice2@example.com", "apprentice3@example.com")
PROVIDER_LOGINS = {
    TUTOR: f"tutor, {NORTHWIND} (caseload: the Acme Digital apprentices)",
    PROVIDER_MANAGER: f"provider manager, {NORTHWIND}",
}


def seed_provider(employer, users):
    """Northwind, its people, its partnership with ``employer`` and the tutor on each of the
    employer's apprenticeships that names no provider yet. Returns the provider."""
    provider, _ = Organisation.objects.get_or_create(
        name=NORTHWIND, defaults={"kind": Organisation.Kind.PROVIDER}
    )
    for email, role in (
        (TUTOR, Membership.Role.TUTOR),
        (PROVIDER_MANAGER, Membership.Role.MANAGER),
    ):
        Membership.objects.get_or_create(
            user=users[email], organisation=provider, defaults={"role": role}
        )
    if provider.safeguarding_lead_id is None:
        provider.safeguarding_lead = users[PROVIDER_MANAGER]
        provider.save(update_fields=["safeguarding_lead"])
    if not Partnership.objects.open().filter(employer=employer, provider=provider).exists():
        started = timezone.now() - timedelta(days=400)
        Partnership.objects.create(
            employer=employer,
            provider=provider,
            proposed_by=provider,
            proposed_by_user=users[PROVIDER_MANAGER],
            proposed_at=started,
            accepted_at=started + timedelta(days=2),
        )
    unassigned = list(
        Apprenticeship.objects.filter(organisation=employer, provider__isnull=True).exclude(
            apprentice=users[TUTOR]
        )
    )
    for apprenticeship in unassigned:
        apprenticeship.provider = provider
        apprenticeship.tutor = users[TUTOR]
    Apprenticeship.objects.bulk_update(unassigned, ["provider", "tutor"], batch_size=500)
    TutorChange.objects.bulk_create(
        [
            TutorChange(
                apprenticeship=apprenticeship,
                new_provider=provider,
                new_tutor=users[TUTOR],
                by=users[PROVIDER_MANAGER],
                at=apprenticeship.created_at,
            )
            for apprenticeship in unassigned
        ],
        batch_size=500,
    )
    return provider


def print_logins(stdout, password, apprentices, members, apprenticeships, employer):
    """The demo's logins and what each person is, as `make run` prints them."""
    stdout.write(f"\nDemo logins (password {password}):")
    roles = {
        "admin@example.com": "superuser, Django admin",
        **{email: f"{role}, {org}" for org, email, role in members},
        **PROVIDER_LOGINS,
        **EPA_LOGINS,
        **{
            email: f"apprentice at {org}, month {months + 1} of 24"
            for org, email, _, months in apprenticeships
        },
    }
    for email, role in roles.items():
        stdout.write(f"  {email:<32} {role}")
    if apprentices:
        stdout.write(
            f"  apprentice4@example.com ... apprentice{3 + apprentices}@example.com "
            f"(apprentices at {employer})"
        )


def seed_review_states(users, today):
    """Acme's apprentices each show a progress review in a state of its life: Alex's latest
    review signed by all (with its PDF) and a newer one held and signed by the tutor alone, with
    a safeguarding concern only the provider sees; Bea's written up from a pre-fill but not
    signed; Cal's overdue review scheduled online. Made directly (no e-mails), once."""
    from progress.review_prefill import prefill_for
    from tracker.models import ProgressReview, ReviewConcern, ReviewSignature
    from tracker.review_pdf import review_pdf_make
    from tracker.services.reviews import STATEMENT

    tutor = users[TUTOR]
    apprentices = [users[email] for email in ACME_APPRENTICES]
    if ProgressReview.objects.filter(
        apprenticeship__apprentice__in=apprentices, held_on=None
    ).exists():
        return None  # made before (perhaps on an apprenticeship since moved to a new version)
    current = {
        apprenticeship.apprentice_id: apprenticeship
        for apprenticeship in Apprenticeship.objects.filter(
            apprentice__in=apprentices, provider__isnull=False, status="active"
        )
        .select_related("apprentice", "mentor")
        .order_by("pk")
    }
    if len(current) < len(apprentices):
        return None  # the demo was changed by hand: leave it
    alex, bea, cal = (current[user.pk] for user in apprentices)
    signed = alex.reviews.filter(provider_signed_at__isnull=False).order_by("-held_on").first()
    if signed is not None and not hasattr(signed, "document"):
        review_pdf_make(signed)
    ten = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    ProgressReview.objects.create(
        apprenticeship=cal,
        scheduled_for=ten + timedelta(days=6),
        online_link="https://meet.example.com/northwind-cal",
        attendees=f"{cal.apprentice}, {cal.mentor}, {tutor}",
        scheduled_by=tutor,
    )
    held = today - timedelta(days=1)
    meeting = ten - timedelta(days=1)
    draft = ProgressReview.objects.create(
        apprenticeship=bea,
        scheduled_for=meeting,
        location="Acme Digital, meeting room 2",
        attendees=f"{bea.apprentice}, {bea.mentor}, {tutor}",
        scheduled_by=tutor,
        held_on=held,
        next_due_on=held + timedelta(weeks=12),
        progress="Settling in well: first pipeline changes merged with help.",
        recorded_by=tutor,
        prefill=prefill_for(bea, None, today=today),
    )
    partly = ProgressReview.objects.create(
        apprenticeship=alex,
        scheduled_for=meeting,
        online_link="https://meet.example.com/northwind-alex",
        attendees=f"{alex.apprentice}, {alex.mentor}, {tutor}",
        held_on=held,
        next_due_on=held + timedelta(weeks=12),
        progress="On track: the payments pipeline is in production; two duties evidenced.",
        otj_summary="AWS course finished; 14 hours of project work logged.",
        wellbeing_ok=True,
        safeguarding_ok=True,
        safeguarding_note="Talked through; nothing the employer needs to act on.",
        prevent_ok=True,
        recorded_by=tutor,
        provider_signed_by=tutor,
        provider_signed_at=meeting + timedelta(hours=1),
    )
    # Written up at the meeting, like every other demo review.
    ProgressReview.objects.filter(pk__in=[draft.pk, partly.pk]).update(
        created_at=meeting + timedelta(minutes=50), updated_at=meeting + timedelta(hours=1)
    )
    ReviewSignature.objects.create(
        review=partly,
        party="provider",
        user=tutor,
        name=str(tutor),
        statement=STATEMENT,
        signed_at=partly.provider_signed_at,
        content_version=partly.content_version,
    )
    ReviewConcern.objects.create(
        review=partly,
        note="Mentioned long commutes and very late nights before exams; agreed to talk again.",
        raised_by=tutor,
    )
    return draft
