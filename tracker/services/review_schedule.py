"""Scheduling progress reviews (RECORD_REVIEW): the date, time and place, an .ics invitation
e-mailed to the parties, and a record of every reschedule; the next review proposed when one
is signed by all."""

from django.db import transaction

from accounts.outbox import queue_email
from accounts.permissions import Action, check
from core.once import created_once

from ..review_ics import review_calendar
from ..review_models import ProgressReview, ReviewReschedule
from ..review_people import everyone
from ..rules.reviews import proposed_next_start
from .errors import TrackerError

SCHEDULE_FIELDS = ("scheduled_for", "duration_minutes", "location", "online_link", "attendees")


def review_invite(review, *, organiser=None, sequence=None):
    """E-mail the .ics invitation of ``review`` to its parties (on commit, via the outbox)."""
    apprenticeship = review.apprenticeship
    people = everyone(apprenticeship, review.parties)
    if organiser is not None and organiser.pk not in {p.pk for p in people}:
        people.append(organiser)
    ics = review_calendar(review, people=people, organiser=organiser, sequence=sequence)
    when = f"{review.scheduled_for:%A %-d %B %Y at %H:%M}"
    for person in people:
        queue_email(
            kind="review_invitation",
            to=[person.email],
            subject=f"Progress review of {apprenticeship.apprentice}: {when}",
            body=(
                f"The progress review of {apprenticeship.apprentice}'s apprenticeship is on "
                f"{when}{', ' + review.place if review.place else ''}.\n\n"
                "The calendar invitation is attached."
            ),
            about=review,
            sender=organiser,
            attachments=[
                {"filename": "progress-review.ics", "content": ics, "mimetype": "text/calendar"}
            ],
        )


def progress_review_schedule(*, user, apprenticeship, fields, submission_key=None):
    """Schedule a review (RECORD_REVIEW) and invite the parties. Made once per form sent."""

    def make():
        with transaction.atomic():
            check(user, apprenticeship, Action.RECORD_REVIEW)
            review = ProgressReview(
                apprenticeship=apprenticeship,
                scheduled_by=user,
                submission_key=submission_key,
                **fields,
            )
            review.full_clean(exclude=["submission_key"])
            review.save()
            review_invite(review, organiser=user, sequence=0)
        return review

    return created_once(apprenticeship.reviews.all(), submission_key, make)


def progress_review_reschedule(*, user, review, fields, reason=""):
    """Move a review not yet held (RECORD_REVIEW): the change is recorded with the old and new
    date and place, and the parties get the updated invitation (its SEQUENCE one higher)."""
    with transaction.atomic():
        review = (
            ProgressReview.objects.select_for_update(of=("self",))
            .select_related("apprenticeship__apprentice", "apprenticeship__organisation")
            .get(pk=review.pk)
        )
        check(user, review.apprenticeship, Action.RECORD_REVIEW)
        if review.held_on is not None:
            raise TrackerError("The review has been held: it can no longer be rescheduled.")
        old_at, old_place = review.scheduled_for, review.place
        for name, value in fields.items():
            setattr(review, name, value)
        if review.scheduled_for == old_at and review.place == old_place:
            raise TrackerError("Nothing changed: the date, time and place are as they were.")
        review.full_clean(exclude=["submission_key"])
        review.save()
        ReviewReschedule.objects.create(
            review=review,
            old_scheduled_for=old_at,
            new_scheduled_for=review.scheduled_for,
            old_place=old_place,
            new_place=review.place,
            reason=reason.strip(),
            changed_by=user,
        )
        review_invite(review, organiser=user)
    return review


def review_propose_next(review):
    """The next review proposed after ``review`` (signed by all), once: on the date agreed at
    it (the organisation's interval on unless agreed otherwise), at the same place."""
    proposed, _ = ProgressReview.objects.get_or_create(
        proposed_after=review,
        defaults={
            "apprenticeship": review.apprenticeship,
            "scheduled_for": proposed_next_start(review),
            "duration_minutes": review.duration_minutes,
            "location": review.location,
            "online_link": review.online_link,
            "attendees": review.attendees,
        },
    )
    return proposed
