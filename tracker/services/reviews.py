"""Progress reviews: the employer records and signs, the apprentice adds comments and signs;
once both have signed the review is locked."""

from django.db import transaction
from django.utils import timezone

from accounts.permissions import Action, check, may, role_of
from core.events import emit
from core.once import created_once

from ..models import ProgressReview
from .errors import TrackerError


def progress_review_save(*, user, apprenticeship=None, review=None, fields, submission_key=None):
    """Record or edit a review (employer), until the employer has signed it. Recorded once per
    form sent (``submission_key``): AlreadySubmitted with the review the same form made."""
    if review is not None:
        return _review_save(user, review, fields)
    return created_once(
        apprenticeship.reviews.all(),
        submission_key,
        lambda: _review_save(
            user,
            ProgressReview(
                apprenticeship=apprenticeship, recorded_by=user, submission_key=submission_key
            ),
            fields,
        ),
    )


def _review_save(user, review, fields):
    with transaction.atomic():
        if review.pk is not None:
            review = ProgressReview.objects.select_for_update().get(pk=review.pk)
            if review.employer_signed_at:
                raise TrackerError("The review is signed and can no longer be edited.")
        check(user, review.apprenticeship, Action.RECORD_REVIEW)
        for name, value in fields.items():
            setattr(review, name, value)
        review.full_clean(exclude=["submission_key"])
        review.save()
    return review


def progress_review_sign(*, review, user, comments=None):
    """Sign the review: the employer for their part (RECORD_REVIEW), the apprentice with their
    comments (COUNTERSIGN_REVIEW), after the employer. Once both have signed it is locked."""
    with transaction.atomic():
        review = (
            ProgressReview.objects.select_for_update(of=("self",))
            .select_related("apprenticeship")
            .get(pk=review.pk)
        )
        if review.is_locked:
            raise TrackerError("Both have signed: the review is locked.")
        role = role_of(user, review.apprenticeship)
        now = timezone.now()
        if may(role, Action.COUNTERSIGN_REVIEW):
            if review.apprentice_signed_at:
                raise TrackerError("You have already signed this review.")
            if not review.employer_signed_at:
                raise TrackerError("Your employer signs the review first; then you add yours.")
            review.apprentice_comments = (comments or "").strip()
            review.apprentice_signed_at = now
            review.save(update_fields=["apprentice_comments", "apprentice_signed_at", "updated_at"])
            kind = "review_signed"
        else:
            check(user, review.apprenticeship, Action.RECORD_REVIEW)
            if review.employer_signed_at:
                raise TrackerError("The employer has already signed this review.")
            review.employer_signed_by = user
            review.employer_signed_at = now
            review.save(update_fields=["employer_signed_by", "employer_signed_at", "updated_at"])
            kind = "review_to_sign"
        emit(kind, apprenticeship=review.apprenticeship, about=review, actor=user)
    return review
