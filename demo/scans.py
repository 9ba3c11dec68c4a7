"""Demo skills scans: plausible, repeatable scores for the demo apprentices."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from skillscan.models import Rating, SkillScan

DISAGREEMENT_COMMENT = "From what I have seen at work this is further along than you think."


def moment(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def initial_scores(ksbs, seed):
    """Mostly 0-2 at the start, a few KSBs already competent (prior learning)."""
    rng = random.Random(seed)
    return {ksb.pk: rng.choices(range(5), weights=[3, 4, 4, 2, 1])[0] for ksb in ksbs}


def improved(scores, seed):
    rng = random.Random(seed)
    return {pk: min(4, score + rng.choice([0, 1, 1, 1, 2])) for pk, score in scores.items()}


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
    """An unsaved scan and its unsaved ratings; ``disagreements`` KSBs get an employer score
    two away from the apprentice's, with a comment."""
    scan = SkillScan(
        apprenticeship=apprenticeship,
        stage=stage,
        status=status,
        submitted_at=moment(started + timedelta(days=6)) if status != "draft" else None,
        validated_at=moment(started + timedelta(days=9)) if status == "validated" else None,
        validated_by=validator if status == "validated" else None,
    )
    scan.started_at = moment(started)  # created_at is set on save; save_scans restores this
    rng = random.Random(f"{seed}-employer")
    disputed = set(rng.sample(sorted(scores), min(disagreements, len(scores))))
    ratings = []
    for ksb in ksbs:
        if ksb.pk not in scores:
            continue
        score = scores[ksb.pk]
        employer = None
        if ksb.pk in disputed:
            employer = score + 2 if score <= 2 else score - 2
        ratings.append(
            Rating(
                ksb=ksb,
                score=score,
                comment="Did some of this on my last project." if score >= 3 else "",
                employer_score=employer,
                employer_comment=DISAGREEMENT_COMMENT if employer is not None else "",
            )
        )
    return scan, ratings


def save_scans(built):
    """Save [(scan, ratings)] in bulk, keeping their dates (auto_now_add would replace them)."""
    scans = SkillScan.objects.bulk_create([scan for scan, _ in built], batch_size=500)
    for scan in scans:
        scan.created_at = scan.started_at
    SkillScan.objects.bulk_update(
        scans, ["created_at", "submitted_at", "validated_at"], batch_size=500
    )
    ratings = []
    for scan, scan_ratings in built:
        for rating in scan_ratings:
            rating.scan = scan
            ratings.append(rating)
    Rating.objects.bulk_create(ratings, batch_size=2000)
    return len(scans)
