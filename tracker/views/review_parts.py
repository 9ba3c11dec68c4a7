"""The parts of a progress review beside its write-up: scheduling and rescheduling, agreed
actions, and safeguarding concerns."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship
from accounts.permissions import Action, get_apprenticeship_for, get_record_for
from core.once import AlreadySubmitted, already_submitted

from ..review_forms import (
    ActionStateForm,
    ReviewActionForm,
    ReviewConcernForm,
    ReviewRescheduleForm,
    ReviewScheduleForm,
)
from ..review_models import ReviewAction
from ..services import TrackerError
from ..services.review_schedule import progress_review_reschedule, progress_review_schedule
from ..services.reviews import (
    NeedsConfirmation,
    review_action_add,
    review_action_set_state,
    review_concern_raise,
)
from .reviews import REVIEWS


@login_required
def progress_review_schedule_view(request, pk):
    apprenticeship, _ = get_apprenticeship_for(
        request.user, pk, action=Action.RECORD_REVIEW, queryset=Apprenticeship.objects.for_list()
    )
    form = ReviewScheduleForm(request.POST or None)
    if request.method == "POST":
        done = already_submitted(request, apprenticeship.reviews.all())
        if done:
            messages.info(request, "This review was scheduled already; here it is.")
            return redirect(done)
        if form.is_valid():
            try:
                review = progress_review_schedule(
                    user=request.user,
                    apprenticeship=apprenticeship,
                    fields=form.schedule_fields(),
                    submission_key=form.cleaned_data.get("submission_key"),
                )
            except AlreadySubmitted as exc:
                return redirect(exc.obj)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Review scheduled: the invitation is on its way.")
                return redirect(review)
    return render(
        request,
        "tracker/progress_review_schedule.html",
        {"apprenticeship": apprenticeship, "form": form, "review": None},
    )


@login_required
def progress_review_reschedule_view(request, pk):
    review, _ = get_record_for(request.user, REVIEWS, pk=pk, action=Action.RECORD_REVIEW)
    if review.held_on is not None:
        messages.info(request, "The review has been held: it can no longer be rescheduled.")
        return redirect(review)
    form = ReviewRescheduleForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            progress_review_reschedule(
                user=request.user,
                review=review,
                fields=form.schedule_fields(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Review moved: the updated invitation is on its way.")
            return redirect(review)
    return render(
        request,
        "tracker/progress_review_schedule.html",
        {"apprenticeship": review.apprenticeship, "form": form, "review": review},
    )


@login_required
def review_action_create(request, pk):
    review, _ = get_record_for(request.user, REVIEWS, pk=pk, action=Action.RECORD_REVIEW)
    form = ReviewActionForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            review_action_add(
                user=request.user,
                review=review,
                confirm_void=form.confirm_void,
                **{k: form.cleaned_data[k] for k in ("text", "owner", "due_on")},
            )
        except NeedsConfirmation as exc:
            form.add_error("confirm_void" if "confirm_void" in form.fields else None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(review)
        else:
            messages.success(request, "Action added.")
            return redirect(review)
    return render(
        request,
        "tracker/review_action_form.html",
        {"review": review, "apprenticeship": review.apprenticeship, "form": form},
    )


@login_required
@require_POST
def review_action_state(request, pk, action_pk):
    review, _ = get_record_for(request.user, REVIEWS, pk=pk, action=Action.RECORD_REVIEW)
    action = get_object_or_404(ReviewAction, pk=action_pk, review=review)
    form = ActionStateForm(request.POST, review=review)
    if not form.is_valid():
        messages.error(request, "Choose open, done or dropped.")
        return redirect(review)
    try:
        review_action_set_state(
            user=request.user,
            action=action,
            state=form.cleaned_data["state"],
            confirm_void=form.confirm_void,
        )
    except TrackerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Action updated.")
    return redirect(review)


@login_required
def review_concern_create(request, pk):
    review, _ = get_record_for(request.user, REVIEWS, pk=pk, action=Action.SEE_SAFEGUARDING)
    form = ReviewConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review_concern_raise(user=request.user, review=review, note=form.cleaned_data["note"])
        messages.success(request, "Concern recorded: the designated safeguarding lead is told.")
        return redirect(review)
    return render(
        request,
        "tracker/review_concern_form.html",
        {"review": review, "apprenticeship": review.apprenticeship, "form": form},
    )
