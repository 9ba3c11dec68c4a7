"""Progress reviews: when the next one is due, and whether it is overdue."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.db import DaysBetween

from ..models import ProgressReview

# The organisation's default interval between reviews (Organisation.review_interval_weeks).
REVIEW_INTERVAL_WEEKS = 12
REVIEW_INTERVAL = timedelta(weeks=REVIEW_INTERVAL_WEEKS)


def review_interval(interval_weeks=None):
    """The interval between reviews: the organisation's ``interval_weeks``, else the default."""
    return timedelta(weeks=interval_weeks) if interval_weeks else REVIEW_INTERVAL


def next_review_due(start_date, latest_review, interval_weeks=None):
    """When the next progress review is due: as agreed at the latest review (the one held last),
    or the organisation's interval (``interval_weeks``) after the start when there has been
    none."""
    agreed = latest_review.next_due_on if latest_review else None
    return review_due_on(start_date, agreed, interval_weeks)


def review_due_on(start_date, agreed_next_due_on, interval_weeks=None):
    """next_review_due from the next date agreed at the latest review (None for no review) and
    the organisation's interval in weeks (None for the default)."""
    return agreed_next_due_on or start_date + review_interval(interval_weeks)


def is_overdue(days):
    """A review due ``days`` from today is overdue once its day has passed (days < 0)."""
    return days < 0


def overdue_q(today, due="review_due_on"):
    """The SQL twin of is_overdue on ``today``, on the stored due date (review_due_on)."""
    return Q(**{f"{due}__lt": today})


@dataclass
class NextReview:
    due_on: date
    days: int  # from today to the due date; negative once it has passed

    @property
    def overdue(self):
        return is_overdue(self.days)

    @property
    def label(self):
        if self.overdue:
            return f"overdue by {-self.days} day{'s' if -self.days != 1 else ''}"
        if self.days == 0:
            return "due today"
        return f"due in {self.days} day{'s' if self.days != 1 else ''}"


def proposed_next_start(review):
    """When the review after ``review`` (signed by all) is proposed: on the next date agreed
    at it (the organisation's interval after it unless agreed otherwise), at the time of day it
    was held, else 10:00."""
    due = review.next_due_on or review.held_on + review_interval(
        review.apprenticeship.organisation.review_interval_weeks
    )
    at = time(10, 0)
    if review.scheduled_for:
        at = timezone.localtime(review.scheduled_for).time()
    return timezone.make_aware(datetime.combine(due, at))


def next_review(apprenticeship, latest_review, today=None):
    """The next review of ``apprenticeship`` given its latest review (or None), on its
    organisation's interval."""
    today = today or date.today()
    interval = apprenticeship.organisation.review_interval_weeks
    due = next_review_due(apprenticeship.start_date, latest_review, interval)
    return NextReview(due_on=due, days=(due - today).days)


def latest_review_sql(field):
    """A field of each apprenticeship's latest review (the one held last)."""
    return Subquery(
        ProgressReview.objects.filter(apprenticeship=OuterRef("pk"), held_on__isnull=False)
        .order_by("-held_on", "-pk")
        .values(field)[:1]
    )


def review_days_sql(today, due="review_due_on"):
    """The SQL twin of NextReview.days, on the stored due date (review_due_on)."""
    return DaysBetween(F(due), Value(today))


def latest_review_signed_sql():
    """Whether each apprenticeship's latest review is signed by all its parties (the provider
    only where one delivers the apprenticeship; False with none): ProgressReview.is_signed."""
    signed = Case(
        When(
            Q(provider_signed_at__isnull=False) | Q(apprenticeship__provider__isnull=True),
            employer_signed_at__isnull=False,
            apprentice_signed_at__isnull=False,
            then=Value(True),
        ),
        default=Value(False),
        output_field=models.BooleanField(),
    )
    return Coalesce(
        Subquery(
            ProgressReview.objects.filter(apprenticeship=OuterRef("pk"), held_on__isnull=False)
            .order_by("-held_on", "-pk")
            .annotate(signed=signed)
            .values("signed")[:1]
        ),
        Value(False),
        output_field=models.BooleanField(),
    )
