"""Demo evidence, duty sign-offs and progress reviews, in bulk."""

import random
from collections import defaultdict, namedtuple
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from django.utils import timezone

from accounts.models import Apprenticeship, User
from demo.bulk import insert
from tracker.models import (
    DutySignOff,
    Evidence,
    EvidenceFeedback,
    EvidenceKSB,
    ProgressReview,
    ReviewSignature,
)
from tracker.rules import REVIEW_INTERVAL
from tracker.services.reviews import STATEMENT

# What a DevOps apprentice logs, each title once per apprentice (in an order of their own):
# (title, activity type, link with {n} or {sha} for a number or a commit).
ACTIVITIES = [
    ("Set up a CI pipeline for the payments service", "project_work", "{gh}/payments/pull/{n}"),
    ("Terraform module for the staging VPC", "project_work", "{gl}/infra/-/merge_requests/{n}"),
    ("Paired on the blue-green deploy scripts", "project_work", "{gh}/deploy-tools/commit/{sha}"),
    ("AWS Solutions Architect Associate course", "training_course", ""),
    ("Shadowed the on-call engineer for a week", "shadowing", ""),
    (
        "Read up on the test pyramid",
        "self_study",
        "https://martinfowler.com/bliki/TestPyramid.html",
    ),
    (
        "Grafana dashboard and alerts for the orders API",
        "project_work",
        "{gh}/observability/pull/{n}",
    ),
    ("Mentoring session on threat modelling", "mentoring", ""),
    ("Fixed a flaky integration test in checkout", "project_work", "{gh}/payments/issues/{n}"),
    ("Wrote up the post-incident review for the March outage", "project_work", ""),
    ("Containerised the legacy reporting service", "project_work", "{gh}/reporting/pull/{n}"),
    ("Kubernetes fundamentals course (CKAD preparation)", "training_course", ""),
    ("Added dependency scanning to the build", "project_work", "{gh}/payments/pull/{n}"),
    (
        "Ansible playbook to patch the build agents",
        "project_work",
        "{gl}/infra/-/merge_requests/{n}",
    ),
    ("Shadowed a production release with the platform team", "shadowing", ""),
    ("Studied the twelve-factor app", "self_study", "https://12factor.net/"),
    ("Helm chart for the notifications service", "project_work", "{gh}/notifications/pull/{n}"),
    ("Mentoring session on estimating and planning work", "mentoring", ""),
    ("Moved secrets from the repository into Vault", "project_work", "{gh}/deploy-tools/pull/{n}"),
    ("Load-tested the search API before launch", "project_work", "{gh}/search/issues/{n}"),
    ("Git branching and code review workshop", "training_course", ""),
    ("Ran the team's retrospective", "project_work", ""),
    (
        "Automated database backups and a restore drill",
        "project_work",
        "{gl}/infra/-/merge_requests/{n}",
    ),
    ("Wrote the runbook for the message queue", "project_work", ""),
    ("Linux administration course, week on networking", "training_course", ""),
    ("Cost review of the AWS accounts", "self_study", ""),
    ("Shadowed the security team's penetration test debrief", "shadowing", ""),
    ("Canary releases for the mobile backend", "project_work", "{gh}/mobile-api/pull/{n}"),
    ("Mentoring session on accessibility in the pipeline", "mentoring", ""),
    (
        "Log aggregation with OpenSearch for the web tier",
        "project_work",
        "{gh}/observability/pull/{n}",
    ),
]
REPOSITORIES = {
    "gh": "https://github.com/acme-digital",
    "gl": "https://gitlab.com/acme-digital/platform",
}
DESCRIPTIONS = {
    "project_work": "What I changed and why, how I tested it, and what the reviewers said.",
    "training_course": "What the course covered, the exercises I did, and how I use it at work.",
    "shadowing": "Who I shadowed, what they did and why, and what I would do the same way.",
    "self_study": "What I read, my notes on it, and how it changes the way I work.",
    "mentoring": "What we discussed, the advice I took away, and the actions we agreed.",
}
CHANGES_COMMENT = "Please add what you did yourself and link the pipeline run."
ACCEPT_COMMENT = "Good work, well evidenced."


# What is planned for a piece of evidence, the fields it is saved with.
PlannedEvidence = namedtuple(
    "PlannedEvidence",
    "apprenticeship_id title description occurred_on activity_type off_the_job_hours url status "
    "submitted_at created_at updated_at",
)
FEEDBACK_FIELDS = ("evidence_id", "author_id", "decision", "comment", "created_at")
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
    "provider_signed_by_id",
    "provider_signed_at",
    "created_at",
    "updated_at",
)


def moment(day, hour=12, zone=None):
    """Noon (or ``hour``) of ``day`` in ``zone``, by default the current time zone."""
    return _moment(day, hour, timezone.get_current_timezone() if zone is None else zone)


@lru_cache(maxsize=4096)  # a few thousand days, asked for hundreds of thousands of times
def _moment(day, hour, zone):
    return timezone.make_aware(datetime.combine(day, time(hour)), zone)


def past(wanted, *, after):
    """``wanted``, or a minute ago if that is later, but always after ``after``: demo history
    happens in order and is never dated in the future."""
    return max(min(wanted, timezone.now() - timedelta(minutes=1)), after + timedelta(minutes=1))


def decided_at(evidence):
    """When the employer decided on submitted evidence: one to five days after it came in."""
    day = evidence.occurred_on
    wanted = evidence.submitted_at + timedelta(days=1 + day.toordinal() % 5, hours=day.day % 4)
    return past(wanted, after=evidence.submitted_at)


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
    # Each title once (parts 2, 3 ... should an apprentice log more than there are titles).
    order = rng.sample(range(len(ACTIVITIES)), len(ACTIVITIES))
    for index in range(count):
        round_, slot = divmod(index, len(ACTIVITIES))
        title, activity, url = ACTIVITIES[order[slot]]
        occurred = start + timedelta(days=min(span, int(span * (index + 1) / (count + 1))))
        status = mix[index % len(mix)]
        logged = past(moment(occurred, 17, zone), after=moment(occurred, 0, zone))
        submitted = (
            past(moment(occurred + timedelta(days=1), zone=zone), after=logged)
            if status != "draft"
            else None
        )
        evidence = PlannedEvidence(
            apprenticeship.pk,
            title if not round_ else f"{title}, part {round_ + 1}",
            DESCRIPTIONS[activity],
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
            url.format(n=100 + index, sha=f"{rng.getrandbits(40):010x}", **REPOSITORIES),
            status,
            submitted,
            logged,
            logged,
        )
        if status in (Evidence.Status.ACCEPTED, Evidence.Status.CHANGES_REQUESTED):
            evidence = evidence._replace(updated_at=decided_at(evidence))
        elif submitted is not None:
            evidence = evidence._replace(updated_at=submitted)
        chosen = rng.sample(ksbs, k=min(len(ksbs), rng.randint(2, 5)))
        planned.append((evidence, chosen))
    return planned


def save_evidence(planned, apprenticeships, supervisor_of):
    """Save [(PlannedEvidence, KSB ids)] of these apprenticeships in bulk with their KSB links and
    feedback history; ``supervisor_of(apprenticeship)`` is the id of who decides on it."""
    ids = insert(Evidence, PlannedEvidence._fields, [e for e, _ in planned], batch_size=1000)
    # A demo decision accepts every KSB the evidence claims.
    insert(
        EvidenceKSB,
        ("evidence_id", "ksb_id", "accepted"),
        [
            (pk, ksb, evidence.status == Evidence.Status.ACCEPTED)
            for pk, (evidence, ksbs) in zip(ids, planned, strict=True)
            for ksb in ksbs
        ],
        batch_size=5000,
    )
    people = {a.pk: (a.apprentice_id, supervisor_of(a)) for a in apprenticeships}
    feedback = []
    for pk, (evidence, _) in zip(ids, planned, strict=True):
        if evidence.status == Evidence.Status.DRAFT:
            continue
        apprentice, supervisor = people[evidence.apprenticeship_id]
        feedback.append((pk, apprentice, "submitted", "", evidence.submitted_at))
        # A decision is the evidence's last change (plan_evidence dated it so).
        if evidence.status == Evidence.Status.ACCEPTED:
            feedback.append((pk, supervisor, "accepted", ACCEPT_COMMENT, evidence.updated_at))
        elif evidence.status == Evidence.Status.CHANGES_REQUESTED:
            feedback.append(
                (pk, supervisor, "changes_requested", CHANGES_COMMENT, evidence.updated_at)
            )
    insert(EvidenceFeedback, FEEDBACK_FIELDS, feedback)
    return len(ids)


def accepted_ksbs(apprenticeships):
    """{apprenticeship pk: ids of its KSBs with accepted evidence}."""
    evidenced = defaultdict(set)
    for apprenticeship_id, ksb_id in Evidence.ksbs.through.objects.filter(
        evidence__apprenticeship__in=apprenticeships,
        evidence__status=Evidence.Status.ACCEPTED,
    ).values_list("evidence__apprenticeship_id", "ksb_id"):
        evidenced[apprenticeship_id].add(ksb_id)
    return evidenced


def save_sign_offs(apprenticeships, duties, sign_off):
    """The employer's sign-off of each duty ``sign_off(apprenticeship, duty)`` says yes to, for
    the apprenticeships that have none yet: a couple of days after the last acceptance of
    evidence for the duty's KSBs (a month after the start if there is none)."""
    have = set(
        DutySignOff.objects.filter(apprenticeship__in=apprenticeships).values_list(
            "apprenticeship_id", flat=True
        )
    )
    wanted = [
        (apprenticeship, duty)
        for apprenticeship in apprenticeships
        if apprenticeship.pk not in have
        for duty in duties
        if sign_off(apprenticeship, duty)
    ]
    accepted = defaultdict(dict)  # {apprenticeship pk: {KSB pk: its latest acceptance}}
    for apprenticeship_id, ksb_id, at in (
        EvidenceFeedback.objects.filter(
            decision=EvidenceFeedback.Decision.ACCEPTED,
            evidence__apprenticeship__in={a.pk for a, _ in wanted},
        )
        .values_list("evidence__apprenticeship_id", "evidence__ksbs", "created_at")
        .order_by("created_at")
    ):
        accepted[apprenticeship_id][ksb_id] = at
    sign_offs = []
    for apprenticeship, duty in wanted:
        times = accepted[apprenticeship.pk]
        evidenced = [times[ksb.pk] for ksb in duty.ksbs.all() if ksb.pk in times]
        after = max(evidenced, default=moment(apprenticeship.start_date + timedelta(days=28)))
        sign_offs.append(
            DutySignOff(
                apprenticeship=apprenticeship,
                duty=duty,
                action=DutySignOff.Action.SIGNED_OFF,
                by=apprenticeship.mentor,
                at=past(after + timedelta(days=2, hours=duty.number % 6), after=after),
                note="Seen doing this unsupervised on the team's services.",
            )
        )
    DutySignOff.objects.bulk_create(sign_offs, batch_size=2000)


def plan_reviews(apprenticeship, today, *, overdue=False):
    """Signed reviews every 12 weeks since the start (rows of REVIEW_FIELDS); with ``overdue``
    the next one is late."""
    reviews, held = [], apprenticeship.start_date + REVIEW_INTERVAL
    while held < today:  # held before today, so its signatures are in the past
        reviews.append(held)
        held += REVIEW_INTERVAL
    if overdue and reviews:
        reviews = reviews[:-1]  # the last one was never held: the one before is now late
    mentor, zone = apprenticeship.mentor_id, timezone.get_current_timezone()
    # The tutor signs for the provider, where one delivers the apprenticeship.
    tutor = apprenticeship.tutor_id if apprenticeship.provider_id else None
    planned = []
    for held_on in reviews:
        # Written up during the meeting, signed by the employer at its end and by the apprentice
        # the next morning.
        recorded = past(moment(held_on, 14, zone), after=moment(held_on, 0, zone))
        employer_signed = past(moment(held_on, 15, zone), after=recorded)
        apprentice_signed = past(
            moment(held_on + timedelta(days=1), 9, zone), after=employer_signed
        )
        planned.append(
            (
                apprenticeship.pk,
                held_on,
                held_on + REVIEW_INTERVAL,
                "Went through the evidence logged since the last review and the latest scan.",
                "Log evidence for the duties still in progress; book the next course.",
                "Happy with how it is going.",
                mentor,
                mentor,
                employer_signed,
                apprentice_signed,
                tutor,
                employer_signed if tutor else None,
                recorded,
                apprentice_signed,
            )
        )
    return planned


SIGNATURE_FIELDS = (
    "review_id",
    "party",
    "user_id",
    "name",
    "statement",
    "comment",
    "signed_at",
    "content_version",
)


def save_reviews(planned):
    """Save the rows of REVIEW_FIELDS plan_reviews made, in bulk, with the signature rows the
    employer's and the apprentice's signatures stand for."""
    ids = insert(ProgressReview, REVIEW_FIELDS, planned)
    field = {name: i for i, name in enumerate(REVIEW_FIELDS)}
    apprentices = dict(
        Apprenticeship.objects.filter(
            pk__in={row[field["apprenticeship_id"]] for row in planned}
        ).values_list("pk", "apprentice_id")
    )
    people = {row[field["employer_signed_by_id"]] for row in planned} | set(apprentices.values())
    people |= {row[field["provider_signed_by_id"]] for row in planned}
    names = {
        pk: full_name or email
        for pk, full_name, email in User.objects.filter(pk__in=people).values_list(
            "pk", "full_name", "email"
        )
    }
    signatures = []
    for pk, row in zip(ids, planned, strict=True):
        employer = row[field["employer_signed_by_id"]]
        apprentice = apprentices[row[field["apprenticeship_id"]]]
        signatures += [
            (
                pk,
                "employer",
                employer,
                names.get(employer, "a deleted user"),
                STATEMENT,
                "",
                row[field["employer_signed_at"]],
                1,
            ),
            (
                pk,
                "apprentice",
                apprentice,
                names[apprentice],
                STATEMENT,
                row[field["apprentice_comments"]],
                row[field["apprentice_signed_at"]],
                1,
            ),
        ]
        tutor = row[field["provider_signed_by_id"]]
        if tutor:
            signatures.append(
                (
                    pk,
                    "provider",
                    tutor,
                    names.get(tutor, "a deleted user"),
                    STATEMENT,
                    "",
                    row[field["provider_signed_at"]],
                    1,
                )
            )
    insert(ReviewSignature, SIGNATURE_FIELDS, signatures)
    return len(planned)
