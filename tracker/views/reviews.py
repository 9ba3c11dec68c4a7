"""Progress reviews: the employer records and signs them, the apprentice comments and signs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Q, Subquery
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship
from accounts.permissions import Action, get_apprenticeship_for, get_record_for, require
from core.once import AlreadySubmitted, already_submitted
from standards.models import KIND_RANK
from standards.wording import wording_book

from ..forms import ApprenticeSignForm, ProgressReviewForm
from ..models import EvidenceFeedback, ProgressReview
from ..rules import accepted_links, next_review
from ..services import TrackerError, progress_review_save, progress_review_sign

REVIEWS = ProgressReview.objects.select_related(
    "apprenticeship__apprentice",
    "apprenticeship__standard",
    "apprenticeship__organisation",
    "recorded_by",
    "employer_signed_by",
)


@login_required
def progress_review_list(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, queryset=Apprenticeship.objects.for_list()
    )
    reviews = list(apprenticeship.reviews.select_related("recorded_by", "employer_signed_by"))
    return render(
        request,
        "tracker/progress_review_list.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "reviews": reviews,
            "next_review": next_review(apprenticeship, reviews[0] if reviews else None),
        },
    )


def _review_form_view(request, apprenticeship, review=None):
    form = ProgressReviewForm(request.POST or None, instance=review, apprenticeship=apprenticeship)
    if request.method == "POST" and review is None:
        done = already_submitted(request, apprenticeship.reviews.all())
        if done:
            messages.info(request, "This review was recorded already; here it is.")
            return redirect(done)
    if request.method == "POST" and form.is_valid():
        try:
            saved = progress_review_save(
                user=request.user,
                apprenticeship=apprenticeship,
                review=review,
                fields=form.model_fields(),
                submission_key=form.cleaned_data.get("submission_key"),
            )
        except AlreadySubmitted as exc:
            messages.info(request, "This review was recorded already; here it is.")
            return redirect(exc.obj)
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(review or apprenticeship)
        else:
            messages.success(request, "Review saved. Sign it when it is complete.")
            return redirect(saved)
    context = {"apprenticeship": apprenticeship, "review": review, "form": form}
    return render(request, "tracker/progress_review_form.html", context)


@login_required
def progress_review_create(request, pk):
    apprenticeship, _ = get_apprenticeship_for(
        request.user, pk, action=Action.RECORD_REVIEW, queryset=Apprenticeship.objects.for_list()
    )
    return _review_form_view(request, apprenticeship)


@login_required
def progress_review_update(request, pk):
    review, _ = get_record_for(request.user, REVIEWS, pk=pk, action=Action.RECORD_REVIEW)
    if review.employer_signed_at:
        messages.info(request, "The review is signed and can no longer be edited.")
        return redirect(review)
    return _review_form_view(request, review.apprenticeship, review)


def _sign(request, review, comments=None):
    try:
        progress_review_sign(review=review, user=request.user, comments=comments)
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "You have signed the review.")
    return redirect(review)


def accepted_this_period(review):
    """[(KSB, its Wording as at the employer's signature, [evidence])], in code order: the KSBs
    accepted (tracker.rules' accepted links) by a decision made after the previous review's
    date, up to this review's, each with the evidence accepted for it. Two queries (one without
    any KSB)."""
    previous = (
        ProgressReview.objects.filter(
            apprenticeship_id=review.apprenticeship_id, held_on__lt=review.held_on
        )
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    accepted_at = (
        EvidenceFeedback.objects.filter(
            evidence_id=OuterRef("evidence_id"), decision=EvidenceFeedback.Decision.ACCEPTED
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    links = (
        accepted_links()
        .filter(evidence__apprenticeship_id=review.apprenticeship_id)
        .annotate(accepted_at=Subquery(accepted_at), since=Subquery(previous))
        .filter(accepted_at__date__lte=review.held_on)
        .filter(Q(since__isnull=True) | Q(accepted_at__date__gt=F("since")))
        .select_related("ksb__standard", "evidence")
        .order_by("accepted_at", "pk")
    )
    evidence_of = {}
    ksbs = {}
    for link in links:
        ksbs[link.ksb_id] = link.ksb
        evidence_of.setdefault(link.ksb_id, []).append(link.evidence)
    book = wording_book(ksbs.values(), standard=review.apprenticeship.standard)
    ordered = sorted(ksbs.values(), key=lambda k: (KIND_RANK[k.kind], k.number, k.standard_id))
    return [
        (ksb, book.at(ksb.pk, review.employer_signed_at), evidence_of[ksb.pk]) for ksb in ordered
    ]


@login_required
def progress_review_detail(request, pk):
    """The review; the apprentice adds their comments and signs here (a POST)."""
    review, role = get_record_for(request.user, REVIEWS, pk=pk)
    form = ApprenticeSignForm(
        request.POST or None, initial={"comments": review.apprentice_comments}
    )
    if request.method == "POST":
        require(role, Action.COUNTERSIGN_REVIEW)
        if form.is_valid():
            return _sign(request, review, form.cleaned_data["comments"])
    context = {"review": review, "apprenticeship": review.apprenticeship, "role": role}
    return render(
        request,
        "tracker/progress_review_detail.html",
        {**context, "form": form, "accepted": accepted_this_period(review)},
    )


@login_required
@require_POST
def progress_review_sign_view(request, pk):
    """The employer signs (the apprentice signs with their comments on the review's page)."""
    review, _ = get_record_for(request.user, REVIEWS, pk=pk, action=Action.RECORD_REVIEW)
    return _sign(request, review)
