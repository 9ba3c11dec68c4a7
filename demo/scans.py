"""Demo skills scans: plausible, repeatable scores for the demo apprentices."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from demo.bulk import insert
from demo.evidence import past
from skillscan.models import Rating, SkillScan

DISAGREEMENT_COMMENT = "From what I have seen at work this is further along than you think."
PRIOR_COMMENT = "Did some of this on my last project."
SCAN_FIELDS = (
    "apprenticeship_id",
    "stage",
    "status",
    "created_at",
    "submitted_at",
    "validated_at",
    "validated_by_id",
    "updated_at",
)
RATING_FIELDS = ("scan_id", "ksb_id", "score", "comment", "employer_score", "employer_comment")
# Initial scores 0-4 weighted 3, 4, 4, 2, 1 (cumulative: the same draws, without re-adding).
INITIAL_WEIGHTS = (3, 7, 11, 13, 14)


def moment(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def initial_scores(ksbs, seed):
    """{KSB id: score} for these KSB ids: mostly 0-2 at the start, a few KSBs already competent
    (prior learning)."""
    rng = random.Random(seed)
    scores = rng.choices(range(5), cum_weights=INITIAL_WEIGHTS, k=len(ksbs))
    return dict(zip(ksbs, scores, strict=True))


def improved(scores, seed):
    rng = random.Random(seed)
    return {pk: min(4, score + rng.choice([0, 1, 1, 1, 2])) for pk, score in scores.items()}


# The least an apprentice rates a KSB they have accepted evidence for: Developing.
EVIDENCED_AT_LEAST = 2


def with_evidence(scores, evidenced):
    """``scores`` with each KSB in ``evidenced`` (ids of KSBs with accepted evidence) rated at
    least EVIDENCED_AT_LEAST: scores rise where the evidence is."""
    return {
        pk: max(score, EVIDENCED_AT_LEAST) if pk in evidenced else score
        for pk, score in scores.items()
    }


def build_scan(
    apprenticeship,
    ksbs,
    *,
    stage,
    status,
    scores,
    started,
    validator=None,
    disagreements=0,
    seed="",
):
    """A scan to save (a row of SCAN_FIELDS) and its ratings (rows of RATING_FIELDS but the
    first) of the KSB ids ``ksbs`` that have a score; ``disagreements`` KSBs get an employer
    score two away from the apprentice's, with a comment."""
    validated = status == "validated"
    # Started, submitted six days later, validated three days after that; never in the future.
    created = past(moment(started), after=moment(started, 0))
    submitted = (
        past(moment(started + timedelta(days=6)), after=created) if status != "draft" else None
    )
    validated_at = past(moment(started + timedelta(days=9)), after=submitted) if validated else None
    scan = (
        apprenticeship.pk,
        stage,
        status,
        created,
        submitted,
        validated_at,
        validator.pk if validated and validator is not None else None,
        validated_at or submitted or created,
    )
    rng = random.Random(f"{seed}-employer")
    disputed = set(rng.sample(sorted(scores), min(disagreements, len(scores))))
    ratings = []
    for ksb in ksbs:
        if ksb not in scores:
            continue
        score = scores[ksb]
        employer = None
        if ksb in disputed:
            employer = score + 2 if score <= 2 else score - 2
        ratings.append(
            (
                ksb,
                score,
                PRIOR_COMMENT if score >= 3 else "",
                employer,
                DISAGREEMENT_COMMENT if employer is not None else "",
            )
        )
    return scan, ratings


def save_scans(built):
    """Save [(scan, ratings)] in bulk, keeping their dates (created_at is the day started)."""
    ids = insert(SkillScan, SCAN_FIELDS, [scan for scan, _ in built], batch_size=500)
    insert(
        Rating,
        RATING_FIELDS,
        [(pk, *rating) for pk, (_, ratings) in zip(ids, built, strict=True) for rating in ratings],
    )
    return len(ids)
