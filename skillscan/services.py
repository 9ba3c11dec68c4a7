"""Writes to scans: starting, rating, submitting, the employer's review and validation."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Apprenticeship
from accounts.permissions import Action, check
from core.events import emit
from standards.models import KSB

from .models import Rating, RatingChange, SkillScan
from .selectors import startable_stages


class ScanError(Exception):
    """A scan action that is not allowed now; the message says why, for the user."""


class ScanIncomplete(ScanError):
    def __init__(self, missing):
        super().__init__(f"{len(missing)} KSB(s) still need a rating.")
        self.missing = missing


class DisagreementsUncommented(ScanError):
    def __init__(self, ratings):
        codes = ", ".join(r.ksb.code for r in ratings)
        super().__init__(f"Explain each disagreement before validating: {codes}.")
        self.ratings = ratings


def scan_start(*, apprenticeship, user, stage):
    """Start a scan of ``stage`` for the apprentice ``user``."""
    with transaction.atomic():
        apprenticeship = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        check(user, apprenticeship, Action.RATE)
        if apprenticeship.status not in (
            Apprenticeship.Status.ACTIVE,
            Apprenticeship.Status.GATEWAY,
        ):
            raise ScanError("Scans can be taken while the apprenticeship is active.")
        scans = list(apprenticeship.scans.order_by("created_at"))
        if stage not in startable_stages(scans):
            if any(scan.is_draft for scan in scans):
                raise ScanError("Finish the scan in progress first.")
            raise ScanError("A scan of that stage cannot be started now.")
        try:
            with transaction.atomic():
                return SkillScan.objects.create(apprenticeship=apprenticeship, stage=stage)
        except IntegrityError:
            raise ScanError("There is already a scan in progress.") from None


def _lock(scan):
    return (
        SkillScan.objects.select_for_update(of=("self",))
        .select_related("apprenticeship__standard")
        .get(pk=scan.pk)
    )


def ratings_save(*, scan, user, ratings):
    """Save the apprentice's ratings: ``ratings`` is {ksb_id: (score, comment)}. Upserts in one
    statement, so two tabs saving at once never create duplicates."""
    with transaction.atomic():
        scan = _lock(scan)
        check(user, scan.apprenticeship, Action.RATE)
        if not scan.is_draft:
            raise ScanError("This scan has been submitted and can no longer be changed.")
        allowed = set(
            KSB.objects.filter(
                standard_id=scan.apprenticeship.standard_id, pk__in=ratings
            ).values_list("pk", flat=True)
        )
        if set(ratings) - allowed:
            raise ScanError("A KSB in the form is not part of this standard; nothing was saved.")
        for score, _comment in ratings.values():
            if score not in range(5):
                raise ScanError("Scores go from 0 to 4; nothing was saved.")
        Rating.objects.bulk_create(
            [
                Rating(scan=scan, ksb_id=ksb_id, score=score, comment=comment)
                for ksb_id, (score, comment) in ratings.items()
            ],
            update_conflicts=True,
            unique_fields=["scan", "ksb"],
            update_fields=["score", "comment"],
        )
        scan.save(update_fields=["updated_at"])  # a save, so the dashboard's tally follows
    return len(ratings)


def missing_ksbs(scan):
    """The KSBs of the scan's standard not rated yet, in code order."""
    return list(
        KSB.objects.filter(standard_id=scan.apprenticeship.standard_id).exclude(
            pk__in=scan.ratings.values("ksb_id")
        )
    )


def scan_submit(*, scan, user):
    """Submit a complete draft: it is locked for the apprentice and its supervisor is told."""
    with transaction.atomic():
        scan = _lock(scan)
        check(user, scan.apprenticeship, Action.SUBMIT_SCAN)
        if not scan.is_draft:
            raise ScanError("This scan has already been submitted.")
        missing = missing_ksbs(scan)
        if missing:
            raise ScanIncomplete(missing)
        scan.status = SkillScan.Status.SUBMITTED
        scan.submitted_at = timezone.now()
        scan.save(update_fields=["status", "submitted_at", "updated_at"])
        scan = SkillScan.objects.select_related(
            "apprenticeship__apprentice", "apprenticeship__mentor", "apprenticeship__standard"
        ).get(pk=scan.pk)
        # In the same transaction: the mentor is told if and only if the submission commits.
        emit("scan_submitted", apprenticeship=scan.apprenticeship, about=scan, actor=user)
    return scan


def _as_text(value):
    return "" if value is None else str(value)


def employer_review_save(*, scan, user, reviews, validate):
    """Record the employer's scores and comments, ``reviews`` being {ksb_id: (employer_score or
    None, employer_comment)}; every change is kept as a RatingChange. With ``validate``, every
    disagreement must carry a comment, and the scan is then validated and locked for everyone."""
    with transaction.atomic():
        scan = _lock(scan)
        role = check(user, scan.apprenticeship, Action.VALIDATE_SCAN)
        if scan.status == SkillScan.Status.DRAFT:
            raise ScanError("This scan has not been submitted yet.")
        if scan.status == SkillScan.Status.VALIDATED:
            raise ScanError("This scan has been validated and can no longer be changed.")
        ratings = list(scan.ratings.select_for_update(of=("self",)).select_related("ksb"))
        if set(reviews) - {r.ksb_id for r in ratings}:
            raise ScanError("A KSB in the form is not part of this scan; nothing was saved.")
        changes, changed = [], []
        for rating in ratings:
            if rating.ksb_id not in reviews:
                continue
            employer_score, employer_comment = reviews[rating.ksb_id]
            if employer_score is not None and employer_score not in range(5):
                raise ScanError("Scores go from 0 to 4; nothing was saved.")
            dirty = False
            for name, value in (
                ("employer_score", employer_score),
                ("employer_comment", employer_comment),
            ):
                old = getattr(rating, name)
                if old != value:
                    changes.append(
                        RatingChange(
                            rating=rating,
                            field=name,
                            old_value=_as_text(old),
                            new_value=_as_text(value),
                            changed_by=user,
                        )
                    )
                    setattr(rating, name, value)
                    dirty = True
            if dirty:
                changed.append(rating)
        Rating.objects.bulk_update(changed, ["employer_score", "employer_comment"])
        RatingChange.objects.bulk_create(changes)
        if validate:
            uncommented = [
                r for r in ratings if r.is_disagreement and not r.employer_comment.strip()
            ]
            if uncommented:
                raise DisagreementsUncommented(uncommented)
            scan.status = SkillScan.Status.VALIDATED
            scan.validated_by = user
            scan.validated_party = role.party
            scan.validated_at = timezone.now()
            scan.save(
                update_fields=[
                    "status",
                    "validated_by",
                    "validated_party",
                    "validated_at",
                    "updated_at",
                ]
            )
            emit(
                "scan_validated",
                apprenticeship=scan.apprenticeship,
                about=scan,
                actor=user,
                disagreements=sum(r.is_disagreement for r in ratings),
            )
    return len(changes)
