"""The rule book of the tracker: what the numbers the pages show mean. Each rule is written once
here, in Python for one apprenticeship and, where a list filters or sorts on it, as an SQL
annotation right beside it; tests/tracker/test_rules.py runs both on the same hand-built cases
(boundaries included) and checks that they agree.

One rounding rule everywhere: hours are counted in hundredths of an hour, the precision they are
recorded in, and summed as whole numbers; "expected by today" is rounded half up to a tenth of
an hour, the figure the pages print; every verdict compares those whole numbers, so the same
apprenticeship gets the same verdict on every page and in every download."""

from core.numbers import percent, percent_sql

from .duties import (
    ACCEPTED_LINK,
    ACTIVE_EVIDENCE,
    DutyStatus,
    accepted_links,
    current_sign_offs,
    current_sign_offs_by_duty,
    duties_signed_sql,
    duties_with_progress,
    duty_status,
    evidenced_ksb_ids,
    ksb_accepted,
    ksbs_covered_sql,
    signed_off_duty_ids,
)
from .hours import (
    ON_TRACK_PERCENT,
    Hours,
    accepted_hundredths_sql,
    behind_from,
    behind_q,
    elapsed_days,
    expected_tenths,
    hours_of,
    hours_summary,
    hundredths,
    is_on_track,
    planned_days,
    sum_hundredths,
    target_met,
)
from .reviews import (
    REVIEW_INTERVAL,
    NextReview,
    is_overdue,
    latest_review_signed_sql,
    next_review,
    next_review_due,
    overdue_q,
    review_days_sql,
    review_due_on,
    review_interval,
)
from .waiting import waiting_days, waiting_label

__all__ = [
    "ACCEPTED_LINK",
    "ACTIVE_EVIDENCE",
    "ON_TRACK_PERCENT",
    "REVIEW_INTERVAL",
    "DutyStatus",
    "Hours",
    "NextReview",
    "accepted_hundredths_sql",
    "accepted_links",
    "behind_from",
    "behind_q",
    "current_sign_offs",
    "current_sign_offs_by_duty",
    "duties_signed_sql",
    "duties_with_progress",
    "duty_status",
    "elapsed_days",
    "evidenced_ksb_ids",
    "expected_tenths",
    "hours_of",
    "hours_summary",
    "hundredths",
    "is_on_track",
    "is_overdue",
    "ksb_accepted",
    "ksbs_covered_sql",
    "latest_review_signed_sql",
    "next_review",
    "next_review_due",
    "overdue_q",
    "percent",
    "percent_sql",
    "planned_days",
    "review_days_sql",
    "review_due_on",
    "review_interval",
    "signed_off_duty_ids",
    "sum_hundredths",
    "target_met",
    "waiting_days",
    "waiting_label",
]
