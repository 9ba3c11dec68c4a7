"""Demo evidence, duty sign-offs and progress reviews, in bulk."""

import random
from collections import namedtuple
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from django.utils import timezone

from demo.bulk import insert
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


# What is planned for a piece of evidence, the fields it is saved with.
PlannedEvidence = namedtuple(
    "PlannedEvidence",
    "apprenticeship_id title description occurred_on activity_type off_the_job_hours url status "
    "submitted_at",
)
FEEDBACK_FIELDS = ("evidence_id", "author_id", "decision", "comment")
REVIEW_FIELDS = (
    "apprenticeship_id",
    "held_on",
    "next_due_on",
    "progress",
    "actions",
    "apprentice_comments",
    "recorded_by_id",
    "employer_signed_by_id",
    "employer_signed_at",
    "apprentice_signed_at",
)


def moment(day, hour=12, zone=None):
    """Noon (or ``hour``) of ``day`` in ``zone``, by default the current time zone."""
    return _moment(day, hour, timezone.get_current_timezone() if zone is None else zone)


@lru_cache(maxsize=4096)  # a few thousand days, asked for hundreds of thousands of times
def _moment(day, hour, zone):
    return timezone.make_aware(datetime.combine(day, time(hour)), zone)


def plan_evidence(apprenticeship, ksbs, count, today, *, mix, seed, pace=None):
    """Evidence to save (PlannedEvidence) with some of the KSB ids ``ksbs``: ``mix`` is a list
    of statuses, repeated. With ``pace`` (e.g. 1.1), the hours add up to about that share of what
    is expected by today, so some apprentices are on track and others behind."""
    rng = random.Random(seed)
    per_item = None
    if pace is not None:
        total_days = max((apprenticeship.planned_end_date - apprenticeship.start_date).days, 1)
        elapsed = min(max((today - apprenticeship.start_date).days, 0), total_days)
        expected = apprenticeship.otj_target_hours * elapsed / total_days
        per_item = min(24, expected * pace / max(count * mix.count("accepted") / len(mix), 1))
    start, zone = apprenticeship.start_date, timezone.get_current_timezone()
    span = max((min(today, apprenticeship.planned_end_date) - start).days, 1)
    planned = []
    for index in range(count):
        title, activity, url = ACTIVITIES[index % len(ACTIVITIES)]
        occurred = start + timedelta(days=min(span, int(span * (index + 1) / (count + 1))))
        status = mix[index % len(mix)]
        evidence = PlannedEvidence(
            apprenticeship.pk,
            title if activity != "training_course" else f"{title} {index + 1}",
            "What I did, what I learnt, and how it shows the KSBs ticked.",
            occurred,
            activity,
            # Courses and project days carry most of the off-the-job time.
            Decimal(
                rng.choice([3, 6, 7.5, 7.5, 12, 15, 20])
                if per_item is None
                else per_item * rng.uniform(0.8, 1.2)
            )
            .quantize(Decimal("0.5"))
            .min(Decimal(24)),
            url.format(n=100 + index, sha=f"{rng.getrandbits(40):010x}"),
            status,
            moment(occurred + timedelta(days=1), zone=zone) if status != "draft" else None,
        )
        chosen = rng.sample(ksbs, k=min(len(ksbs), rng.randint(2, 5)))
        planned.append((evidence, chosen))
    return planned


def save_evidence(planned, apprenticeships, supervisor_of):
    """Save [(PlannedEvidence, KSB ids)] of these apprenticeships in bulk with their KSB links and
    feedback history; ``supervisor_of(apprenticeship)`` is the id of who decides on it."""
    ids = insert(Evidence, PlannedEvidence._fields, [e for e, _ in planned], batch_size=1000)
    through = Evidence.ksbs.through
    insert(
        through,
        ("evidence_id", "ksb_id"),
        [(pk, ksb) for pk, (_, ksbs) in zip(ids, planned, strict=True) for ksb in ksbs],
        batch_size=5000,
    )
    people = {a.pk: (a.apprentice_id, supervisor_of(a)) for a in apprenticeships}
    feedback = []
    for pk, (evidence, _) in zip(ids, planned, strict=True):
        if evidence.status == Evidence.Status.DRAFT:
            continue
        apprentice, supervisor = people[evidence.apprenticeship_id]
        feedback.append((pk, apprentice, "submitted", ""))
        if evidence.status == Evidence.Status.ACCEPTED:
            feedback.append((pk, supervisor, "accepted", ACCEPT_COMMENT))
        elif evidence.status == Evidence.Status.CHANGES_REQUESTED:
            feedback.append((pk, supervisor, "changes_requested", CHANGES_COMMENT))
    insert(EvidenceFeedback, FEEDBACK_FIELDS, feedback)
    return len(ids)


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
    """Signed reviews every 12 weeks since the start (rows of REVIEW_FIELDS); with ``overdue``
    the next one is late."""
    reviews, held = [], apprenticeship.start_date + REVIEW_INTERVAL
    while held <= today:
        reviews.append(held)
        held += REVIEW_INTERVAL
    if overdue and reviews:
        reviews = reviews[:-1]  # the last one was never held: the one before is now late
    mentor, zone = apprenticeship.mentor_id, timezone.get_current_timezone()
    return [
        (
            apprenticeship.pk,
            held_on,
            held_on + REVIEW_INTERVAL,
            "Went through the evidence logged since the last review and the latest skills scan.",
            "Log evidence for the duties still in progress; book the next course.",
            "Happy with how it is going.",
            mentor,
            mentor,
            moment(held_on, 15, zone),
            moment(held_on + timedelta(days=1), 9, zone),
        )
        for held_on in reviews
    ]


def save_reviews(planned):
    """Save the rows of REVIEW_FIELDS plan_reviews made, in bulk."""
    insert(ProgressReview, REVIEW_FIELDS, planned)
    return len(planned)
