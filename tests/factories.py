import secrets
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import (
    Apprenticeship,
    Invitation,
    Membership,
    Organisation,
    Partnership,
    User,
    hash_token,
)
from skillscan.models import Rating, SkillScan
from standards.models import KSB, Duty, Standard
from tracker.models import Evidence, ProgressReview

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StandardFactory(DjangoModelFactory):
    class Meta:
        model = Standard

    reference = factory.Sequence(lambda n: f"ST{9000 + n:04d}")
    title = factory.Sequence(lambda n: f"Test occupation {n}")
    version = "1.0"
    level = 4
    typical_duration_months = 24
    status = Standard.Status.APPROVED
    route = "Digital"


def small_number(n):
    """A factory sequence runs across the whole suite: wrap it inside a small integer
    (PostgreSQL refuses a number above 32,767), far above any one standard's count."""
    return n % 30000 + 1


class KSBFactory(DjangoModelFactory):
    class Meta:
        model = KSB

    standard = factory.SubFactory(StandardFactory)
    kind = KSB.Kind.KNOWLEDGE
    number = factory.Sequence(small_number)
    description = factory.Faker("sentence", nb_words=12)


class DutyFactory(DjangoModelFactory):
    class Meta:
        model = Duty
        skip_postgeneration_save = True

    standard = factory.SubFactory(StandardFactory)
    number = factory.Sequence(small_number)
    description = factory.Faker("sentence", nb_words=15)

    @factory.post_generation
    def ksbs(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.ksbs.set(extracted)


def make_standard(*, knowledge=3, skills=2, behaviours=1, duties=2, **fields):
    """A standard with the given numbers of K, S, B and duties; every duty draws on every KSB."""
    standard = StandardFactory(**fields)
    ksbs = []
    for kind, count in (("K", knowledge), ("S", skills), ("B", behaviours)):
        ksbs += [KSBFactory(standard=standard, kind=kind, number=n) for n in range(1, count + 1)]
    for number in range(1, duties + 1):
        DutyFactory(standard=standard, number=number, ksbs=ksbs)
    return standard


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Employer {n} Ltd")


class ProviderFactory(OrganisationFactory):
    """A training provider."""

    name = factory.Sequence(lambda n: f"Provider {n} Training")
    kind = Organisation.Kind.PROVIDER


class PartnershipFactory(DjangoModelFactory):
    """An active partnership between an employer and a training provider."""

    class Meta:
        model = Partnership

    employer = factory.SubFactory(OrganisationFactory)
    provider = factory.SubFactory(ProviderFactory)
    proposed_by = factory.SelfAttribute("employer")
    accepted_at = factory.LazyFunction(timezone.now)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MENTOR


class ApprenticeshipFactory(DjangoModelFactory):
    class Meta:
        model = Apprenticeship

    apprentice = factory.SubFactory(UserFactory)
    standard = factory.SubFactory(StandardFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    mentor = None
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=200))
    planned_end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=730))
    status = Apprenticeship.Status.ACTIVE


class InvitationFactory(DjangoModelFactory):
    """An apprentice invitation onto a new pending apprenticeship."""

    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    kind = Invitation.Kind.APPRENTICE
    apprenticeship = factory.SubFactory(
        ApprenticeshipFactory,
        organisation=factory.SelfAttribute("..organisation"),
        apprentice=None,
        status=Apprenticeship.Status.PENDING,
    )
    standard = factory.LazyAttribute(
        lambda o: o.apprenticeship.standard if o.apprenticeship else None
    )
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    token_hash = factory.LazyFunction(lambda: hash_token(secrets.token_urlsafe(32)))
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + timedelta(days=14))


def invitation_with_token(**kwargs):
    """An invitation and the raw token of its link."""
    token = secrets.token_urlsafe(32)
    invitation = InvitationFactory(token_hash=hash_token(token), **kwargs)
    return invitation, token


def assessor_access(apprenticeship, assessor, *, days=30, by=None, **fields):
    """An end-point assessor's access to ``apprenticeship`` until ``days`` from today,
    accepted by ``assessor`` (None: not accepted yet), and the raw token of its link."""
    from accounts.models import AssessorAccess

    token = secrets.token_urlsafe(32)
    access = AssessorAccess.objects.create(
        apprenticeship=apprenticeship,
        email=assessor.email if assessor else f"invited.{token[:6].lower()}@example.com",
        assessment_organisation="Assess Co",
        token_hash=hash_token(token),
        assessor=assessor,
        accepted_at=timezone.now() if assessor else None,
        expires_on=date.today() + timedelta(days=days),
        invited_by=by,
        **fields,
    )
    return access, token


class SkillScanFactory(DjangoModelFactory):
    class Meta:
        model = SkillScan

    apprenticeship = factory.SubFactory(ApprenticeshipFactory)
    stage = SkillScan.Stage.INITIAL
    status = SkillScan.Status.DRAFT


def make_scan(
    apprenticeship,
    *,
    stage="initial",
    status="draft",
    scores=None,
    employer=None,
    submitted_at=None,
    created_at=None,
    **fields,
):
    """A scan with a rating for every KSB of the standard (or for those in ``scores``, a
    {code: score} map); ``employer`` gives employer scores by code."""
    if status != "draft":
        fields["submitted_at"] = submitted_at or timezone.now()
    scan = SkillScanFactory(apprenticeship=apprenticeship, stage=stage, status=status, **fields)
    if created_at:
        SkillScan.objects.filter(pk=scan.pk).update(created_at=created_at)
    ksbs = list(apprenticeship.standard.ksbs.all())
    if scores is None:
        scores = {ksb.code: (ksb.number + len(ksb.kind)) % 5 for ksb in ksbs}
    employer = employer or {}
    Rating.objects.bulk_create(
        Rating(
            scan=scan,
            ksb=ksb,
            score=scores[ksb.code],
            employer_score=employer.get(ksb.code),
            employer_comment="Seen it differently" if ksb.code in employer else "",
        )
        for ksb in ksbs
        if ksb.code in scores
    )
    scan.refresh_from_db()
    return scan


class EvidenceFactory(DjangoModelFactory):
    class Meta:
        model = Evidence
        skip_postgeneration_save = True

    apprenticeship = factory.SubFactory(ApprenticeshipFactory)
    title = factory.Sequence(lambda n: f"Evidence {n}")
    description = "What was done."
    occurred_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    activity_type = Evidence.ActivityType.PROJECT_WORK
    off_the_job_hours = Decimal("2.5")
    status = Evidence.Status.DRAFT

    @factory.post_generation
    def ksbs(obj, create, extracted, **kwargs):
        # Accepted evidence has every KSB accepted, as a decision on it as a whole would.
        if create and extracted:
            obj.ksbs.set(
                extracted, through_defaults={"accepted": obj.status == Evidence.Status.ACCEPTED}
            )


class ProgressReviewFactory(DjangoModelFactory):
    class Meta:
        model = ProgressReview

    apprenticeship = factory.SubFactory(ApprenticeshipFactory)
    held_on = factory.LazyFunction(lambda: date.today() - timedelta(days=7))
    next_due_on = factory.LazyAttribute(lambda o: o.held_on + timedelta(weeks=12))
    progress = "Discussed the evidence so far."
    actions = "Log evidence for duty 2."
