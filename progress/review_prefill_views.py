"""Pre-fill a progress review from the record: what changed since the last review (the figures
of progress.review_prefill), kept on the review by tracker's service until it is signed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.permissions import Action, get_record_for
from tracker.models import ProgressReview
from tracker.services import TrackerError
from tracker.services import reviews as review_services

from .review_prefill import prefill_for, previous_review_date

REVIEWS = ProgressReview.objects.select_related("apprenticeship__standard")


@login_required
@require_POST
def review_prefill(request, pk):
    """Work out the figures since the last review and keep them on this review (the employer's
    or provider's side, RECORD_REVIEW; refused once the review is signed)."""
    review, _ = get_record_for(request.user, REVIEWS, action=Action.RECORD_REVIEW, pk=pk)
    since = previous_review_date(review)
    snapshot = prefill_for(review.apprenticeship, since)
    try:
        review_services.progress_review_prefill(review=review, user=request.user, snapshot=snapshot)
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "Pre-filled from the record: what changed since "
            + (f"the review of {since:%-d %B %Y}." if since else "the start."),
        )
    return redirect(review)
