"""Progress reviews: the list, the write-up, the page with its signatures, the PDF and the
.ics downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Apprenticeship
from accounts.permissions import Action, get_apprenticeship_for, get_record_for, may
from core.once import AlreadySubmitted, already_submitted
from core.storage import open_stored
from standards.models import KIND_RANK
from standards.wording import wording_book

from ..models import EvidenceFeedback, ProgressReview
from ..review_forms import ProgressReviewForm, ReviewSignForm
from ..review_ics import review_calendar
from ..review_models import ReviewAction, ReviewSignature
from ..review_pdf import review_pdf_make
from ..review_people import everyone
from ..rules import accepted_links, next_review
from ..services import TrackerError
from ..services.reviews import NeedsConfirmation, progress_review_save, progress_review_sign

REVIEWS = ProgressReview.objects.select_related(
    "apprenticeship__apprentice",
    "apprenticeship__standard",
    "apprenticeship__organisation",
    "apprenticeship__provider",
    "recorded_by",
    "employer_signed_by",
    "provider_signed_by",
)


@login_required
def progress_review_list(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, queryset=Apprenticeship.objects.for_list()
    )
    reviews = list(
        apprenticeship.reviews.select_related("recorded_by", "employer_signed_by", "apprenticeship")
    )
    held = [review for review in reviews if review.held_on]
    return render(
        request,
        "tracker/progress_review_list.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "reviews": reviews,
            "next_review": next_review(apprenticeship, held[0] if held else None),
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
                ksb_targets=list(form.cleaned_data["ksb_targets"]),
                submission_key=form.cleaned_data.get("submission_key"),
                confirm_void=form.confirm_void,
            )
        except AlreadySubmitted as exc:
            messages.info(request, "This review was recorded already; here it is.")
            return redirect(exc.obj)
        except ValidationError as exc:
            form.add_error(None, exc)
        except NeedsConfirmation as exc:
            form.add_error("confirm_void" if "confirm_void" in form.fields else None, str(exc))
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(review or apprenticeship)
        else:
            messages.success(request, "Review saved. Each party signs it when it is complete.")
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
    if review.is_signed:
        messages.info(request, "Everyone has signed: the review is final.")
        return redirect(review)
    return _review_form_view(request, review.apprenticeship, review)


def accepted_this_period(review):
    """[(KSB, its Wording as at the first signature, [evidence])], in code order: the KSBs
    accepted (tracker.rules' accepted links) by a decision made after the previous review's
    date, up to this review's, each with the evidence accepted for it. Two queries (one without
    any KSB); none for a review not held yet."""
    if review.held_on is None:
        return []
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
    return [(ksb, book.at(ksb.pk, review.first_signed_at), evidence_of[ksb.pk]) for ksb in ordered]


PREFILL_TEMPLATE = "progress/includes/review_prefill.html"
DETAIL = REVIEWS.select_related("document", "scheduled_by").prefetch_related(
    Prefetch("signatures", queryset=ReviewSignature.objects.select_related("user")),
    "action_items__carried_from__review",
    "ksb_targets",
    "reschedules__changed_by",
    "changes__user",
)


@login_required
@require_safe
def progress_review_detail(request, pk):
    """The review: its schedule, its write-up, its actions, its signatures (current and
    voided), the changes made after a signature, and its PDF once everyone has signed. The
    safeguarding concerns only for the roles allowed to see them."""
    review, role = get_record_for(request.user, DETAIL, pk=pk)
    if review.is_signed and not hasattr(review, "document"):
        # Not made when the last party signed (WeasyPrint failed): try again now.
        document = review_pdf_make(review)
        if document is not None:
            review.document = document
    signatures = list(review.signatures.all())
    current = {s.party: s for s in signatures if s.content_version == review.content_version}
    party = role.party if may(role, Action.SIGN_REVIEW) else None
    see_safeguarding = may(role, Action.SEE_SAFEGUARDING)
    # Read only for the roles that may see them: never loaded for anyone else.
    concerns = list(review.concerns.select_related("raised_by")) if see_safeguarding else []
    context = {
        "review": review,
        "apprenticeship": review.apprenticeship,
        "role": role,
        "can": {
            "record": may(role, Action.RECORD_REVIEW),
            "see_safeguarding": see_safeguarding,
            "sign": party in review.parties
            and party not in current
            and review.held_on is not None
            and not review.is_signed,
        },
        "party": party,
        "current": [(p, current.get(p)) for p in review.parties],
        "voided": [s for s in signatures if s.content_version != review.content_version],
        "sign_form": ReviewSignForm(),
        "action_states": ReviewAction.State.choices,
        "concerns": concerns,
        "accepted": accepted_this_period(review),
        "document": getattr(review, "document", None),
    }
    # What changed since the last review (progress keeps the figures on the review; its
    # Jinja2 part renders them and the button that works them out).
    context["prefill_html"] = render_to_string(
        PREFILL_TEMPLATE,
        {"prefill": review.prefill, "review": review, "role": role},
        request=request,
        using="jinja2",
    )
    return render(request, "tracker/progress_review_detail.html", context)


@login_required
@require_POST
def progress_review_sign_view(request, pk):
    """Sign for the signer's own party, with the statement ticked."""
    review, _ = get_record_for(request.user, REVIEWS, pk=pk, action=Action.SIGN_REVIEW)
    form = ReviewSignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick “I agree this is an accurate record” to sign.")
        return redirect(review)
    try:
        review = progress_review_sign(
            review=review, user=request.user, comment=form.cleaned_data["comment"]
        )
    except TrackerError as exc:
        messages.error(request, str(exc))
        return redirect(review)
    if review.is_signed:
        if review_pdf_make(review) is not None:
            messages.success(request, "You have signed: everyone has, and the PDF is ready.")
        else:
            messages.warning(
                request,
                "You have signed: everyone has. The PDF could not be made just now; it will be "
                "made again when the review is next opened.",
            )
    else:
        messages.success(request, "You have signed the review.")
    return redirect(review)


@login_required
def progress_review_pdf(request, pk):
    """The PDF made when everyone signed: the same file for everyone who may see the review."""
    review, _ = get_record_for(request.user, REVIEWS.select_related("document"), pk=pk)
    document = getattr(review, "document", None)
    if document is None:
        raise Http404("The review has no PDF yet.")
    try:
        handle = open_stored(default_storage, document.name)
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    filename = f"progress-review-{review.held_on:%Y-%m-%d}.pdf"
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )


@login_required
def progress_review_ics(request, pk):
    """The calendar invitation of a scheduled review."""
    review, _ = get_record_for(request.user, REVIEWS, pk=pk)
    if review.scheduled_for is None:
        raise Http404("The review was not scheduled.")
    people = everyone(review.apprenticeship, review.parties)
    ics = review_calendar(
        review,
        people=people,
        organiser=review.scheduled_by,
        url=request.build_absolute_uri(review.get_absolute_url()),
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="progress-review-{review.pk}.ics"'
    return response
