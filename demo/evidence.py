"""Demo evidence, duty sign-offs and progress reviews, in bulk."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from tracker.models import DutySignOff, Evidence, EvidenceFeedback, ProgressReview
from tracker.rules import REVIEW_INTERVAL

ACTIVITIES = [
    (
        "Set up a CI pipeline for the payments service",
        "project_work",
        "https://github.com/acme-digital/payments/pull/{n}",
    ),
    (
        "Terraform module for the staging VPC",
        "project_work",
        "https://gitlab.com/acme-digital/platform/infra/-/merge_requests/{n}",
    ),
    (
        "Pair programming on the deploy scripts",
        "project_work",
        "https://github.com/acme-digital/deploy-tools/commit/{sha}",
    ),
    ("AWS Solutions Architect course, module", "training_course", ""),
    ("Shadowed the on-call engineer", "shadowing", ""),
    (
        "Read up on the test pyramid",
        "self_study",
        "https://martinfowler.com/articles/practical-test-pyramid.html",
    ),
    (
        "Monitoring dashboard and alerts for the API",
        "project_work",
        "https://github.com/acme-digital/observability/actions/runs/{n}",
    ),
    ("Mentoring session on threat modelling", "mentoring", ""),
    (
        "Fixed a flaky integration test",
        "project_work",
        "https://github.com/acme-digital/payments/issues/{n}",
    ),
    ("Blameless post-incident review write-up", "project_work", ""),
]
CHANGES_COMMENT = "Please add what you did yourself and link the pipeline run."
ACCEPT_COMMENT = "Good work, well evidenced."


def moment(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def plan_evidence(apprenticeship, ksbs, count, today, *, mix, seed, pace=None):
    """Unsaved evidence with its KSBs and history: ``mix`` is a list of statuses, repeated.
    With ``pace`` (e.g. 1.1), the hours add up to about that share of what is expected by
    today, so some apprentices are on track and others behind."""
    rng = random.Random(seed)
    per_item = None
    if pace is not None:
        total_days = max((apprenticeship.planned_end_date - apprenticeship.start_date).days, 1)
        elapsed = min(max((today - apprenticeship.start_date).days, 0), total_days)
        expected = apprenticeship.otj_target_hours * elapsed / total_days
        per_item = min(24, expected * pace / max(count * mix.count("accepted") / len(mix), 1))
    start = apprenticeship.start_date
    span = max((min(today, apprenticeship.planned_end_date) - start).days, 1)
    planned = []
    for index in range(count):
        title, activity, url = ACTIVITIES[index % len(ACTIVITIES)]
        occurred = start + timedelta(days=min(span, int(span * (index + 1) / (count + 1))))
        status = mix[index % len(mix)]
        evidence = Evidence(
            apprenticeship=apprenticeship,
            title=title if activity != "training_course" else f"{title} {index + 1}",
            description="What I did, what I learnt, and how it shows the KSBs ticked.",
            occurred_on=occurred,
            activity_type=activity,
            # Courses and project days carry most of the off-the-job time.
            off_the_job_hours=Decimal(
                rng.choice([3, 6, 7.5, 7.5, 12, 15, 20])
                if per_item is None
                else per_item * rng.uniform(0.8, 1.2)
            )
            .quantize(Decimal("0.5"))
            .min(Decimal(24)),
            url=url.format(n=100 + index, sha=f"{rng.getrandbits(40):010x}"),
            status=status,
            submitted_at=moment(occurred + timedelta(days=1)) if status != "draft" else None,
        )
        chosen = rng.sample(ksbs, k=min(len(ksbs), rng.randint(2, 5)))
        planned.append((evidence, chosen))
    return planned


def save_evidence(planned, supervisor_of):
    """Save [(evidence, ksbs)] in bulk with their KSB links and feedback history."""
    saved = Evidence.objects.bulk_create([e for e, _ in planned], batch_size=1000)
    through = Evidence.ksbs.through
    through.objects.bulk_create(
        [through(evidence_id=e.pk, ksb_id=k.pk) for e, ksbs in planned for k in ksbs],
        batch_size=5000,
    )
    feedback = []
    for evidence in saved:
        if evidence.status == Evidence.Status.DRAFT:
            continue
        apprentice = evidence.apprenticeship.apprentice
        supervisor = supervisor_of(evidence.apprenticeship)
        feedback.append(
            EvidenceFeedback(
                evidence=evidence, author=apprentice, decision=EvidenceFeedback.Decision.SUBMITTED
            )
        )
        if evidence.status == Evidence.Status.ACCEPTED:
            feedback.append(
                EvidenceFeedback(
                    evidence=evidence,
                    author=supervisor,
                    decision="accepted",
                    comment=ACCEPT_COMMENT,
                )
            )
        elif evidence.status == Evidence.Status.CHANGES_REQUESTED:
            feedback.append(
                EvidenceFeedback(
                    evidence=evidence,
                    author=supervisor,
                    decision="changes_requested",
                    comment=CHANGES_COMMENT,
                )
            )
    EvidenceFeedback.objects.bulk_create(feedback, batch_size=2000)
    return len(saved)


def save_sign_offs(apprenticeships, duties, sign_off, today):
    """The employer's sign-off of each duty ``sign_off(apprenticeship, duty)`` says yes to, for
    the apprenticeships that have none yet."""
    have = set(
        DutySignOff.objects.filter(apprenticeship__in=apprenticeships).values_list(
            "apprenticeship_id", flat=True
        )
    )
    DutySignOff.objects.bulk_create(
        [
            DutySignOff(
                apprenticeship=apprenticeship,
                duty=duty,
                action=DutySignOff.Action.SIGNED_OFF,
                by=apprenticeship.mentor,
                at=moment(today - timedelta(days=30 - duty.number)),
                note="Seen doing this unsupervised on the team's services.",
            )
            for apprenticeship in apprenticeships
            if apprenticeship.pk not in have
            for duty in duties
            if sign_off(apprenticeship, duty)
        ],
        batch_size=2000,
    )


def plan_reviews(apprenticeship, today, *, overdue=False):
    """Signed reviews every 12 weeks since the start; with ``overdue`` the next one is late."""
    reviews, held = [], apprenticeship.start_date + REVIEW_INTERVAL
    while held <= today:
        reviews.append(held)
        held += REVIEW_INTERVAL
    if overdue and reviews:
        reviews = reviews[:-1]  # the last one was never held: the one before is now late
    planned = []
    for held_on in reviews:
        planned.append(
            ProgressReview(
                apprenticeship=apprenticeship,
                held_on=held_on,
                next_due_on=held_on + REVIEW_INTERVAL,
                progress="Went through the evidence logged since the last review and the "
                "latest skills scan.",
                actions="Log evidence for the duties still in progress; book the next course.",
                apprentice_comments="Happy with how it is going.",
                recorded_by=apprenticeship.mentor,
                employer_signed_by=apprenticeship.mentor,
                employer_signed_at=moment(held_on, 15),
                apprentice_signed_at=moment(held_on + timedelta(days=1), 9),
            )
        )
    return planned
