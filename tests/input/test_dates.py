"""Dates at the ends of the calendar (issue: bad input never costs data or shows a 500).

An apprenticeship from 9999-12-30 to 9999-12-31 made every page of its organisation fail with
OverflowError; a start of 0001-01-01 drew two thousand years of weeks. Every date now has a
rule that means something, said beside the field, and the database holds a coarse window so
that no stored date can run a rule off the calendar."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Apprenticeship, Invitation
from accounts.rules import (
    add_months,
    dated_record_errors,
    minimum_duration_months,
    programme_date_errors,
    review_date_errors,
)
from tests.factories import ApprenticeshipFactory, EvidenceFactory, ProgressReviewFactory
from tracker.models import Evidence, ProgressReview

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 3)


def errors_of(response, field):
    return " ".join(response.context["form"].errors[field])


def codes(errors):
    return {field: error.code for field, error in errors.items()}


# --- the rules, at their boundaries ------------------------------------------------------------


def test_add_months_keeps_the_day_within_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)


@pytest.mark.parametrize(
    ("start", "months"),
    [(date(2025, 7, 31), 12), (date(2025, 8, 1), 8), (date(2026, 12, 3), 8)],
)
def test_the_funding_minimum_changed_on_1_august_2025(start, months):
    assert minimum_duration_months(start) == months


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # the minimum: 8 months from 1 August 2025, 12 before; the day itself is allowed
        (date(2025, 8, 1), date(2026, 4, 1), {}),
        (date(2025, 8, 1), date(2026, 3, 31), {"planned_end_date": "too_short"}),
        (date(2025, 7, 31), date(2026, 7, 31), {}),
        (date(2025, 7, 31), date(2026, 7, 30), {"planned_end_date": "too_short"}),
        # the maximum: six years
        (date(2026, 1, 1), date(2032, 1, 1), {}),
        (date(2026, 1, 1), date(2032, 1, 2), {"planned_end_date": "too_long"}),
        # the start's window: from 2014, at most a year ahead
        (date(2014, 1, 1), date(2015, 1, 1), {}),
        (date(2013, 12, 31), date(2015, 1, 1), {"start_date": "start_too_early"}),
        (date(2027, 12, 3), date(2029, 12, 3), {}),
        (date(2027, 12, 4), date(2029, 12, 3), {"start_date": "start_too_late"}),
        # the ends of the calendar: refused, and nothing is computed from them
        (date(9999, 12, 30), date(9999, 12, 31), {"start_date": "start_too_late"}),
        (date(1, 1, 1), date(2027, 1, 1), {"start_date": "start_too_early"}),
        (date(2026, 1, 1), date(9999, 12, 31), {"planned_end_date": "too_long"}),
        (date(2026, 1, 1), date(2026, 1, 1), {"planned_end_date": "end_before_start"}),
    ],
)
def test_programme_dates(start, end, expected):
    assert codes(programme_date_errors(start, end, TODAY)) == expected


def test_each_message_says_which_rule_and_the_date_that_would_do():
    errors = programme_date_errors(date(2025, 8, 1), date(2026, 3, 31), TODAY)
    assert "at least 8 months" in errors["planned_end_date"].message
    assert "1 April 2026 or later" in errors["planned_end_date"].message
    errors = programme_date_errors(date(2026, 1, 1), date(2033, 1, 1), TODAY)
    assert "1 January 2032 or earlier" in errors["planned_end_date"].message


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 5), {}),
        (date(2026, 1, 4), {"occurred_on": "before_start"}),
        (TODAY, {}),
        (TODAY + timedelta(days=1), {"occurred_on": "future"}),
        (date(1, 1, 1), {"occurred_on": "before_start"}),
        (date(9999, 12, 31), {"occurred_on": "future"}),
    ],
)
def test_records_are_dated_within_the_programme(day, expected):
    errors = dated_record_errors("occurred_on", day, date(2026, 1, 5), TODAY, "Evidence")
    assert codes(errors) == expected


@pytest.mark.parametrize(
    ("held", "due", "expected"),
    [
        (date(2026, 6, 1), date(2027, 6, 1), {}),
        (date(2026, 6, 1), date(2027, 6, 2), {"next_due_on": "next_too_far"}),
        (date(2026, 6, 1), date(2026, 6, 1), {"next_due_on": "next_before_held"}),
        (date(2026, 6, 1), None, {}),
        (date(2025, 12, 31), date(2026, 3, 1), {"held_on": "before_start"}),
        (date(9999, 12, 30), date(9999, 12, 31), {"held_on": "future"}),
    ],
)
def test_review_dates(held, due, expected):
    assert codes(review_date_errors(held, due, date(2026, 1, 1), TODAY)) == expected


# --- the forms say which rule failed, beside the field -----------------------------------------


@pytest.fixture
def invite(client, manager, acme, standard, mentor):
    client.force_login(manager)

    def post(**changes):
        data = {
            "email": "ann@example.com",
            "full_name": "Ann Learner",
            "standard": standard.pk,
            "start_date": date.today().isoformat(),
            "planned_end_date": add_months(date.today(), 24).isoformat(),
            "mentor": mentor.pk,
            "weekly_hours": "30",
            **changes,
        }
        return client.post(reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk}), data)

    return post


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"start_date": "9999-12-30", "planned_end_date": "9999-12-31"}, "start_date", "a year"),
        ({"start_date": "0001-01-01"}, "start_date", "2014"),
        ({"planned_end_date": "9999-12-31"}, "planned_end_date", "at most 6 years"),
        (
            {"planned_end_date": (date.today() + timedelta(days=60)).isoformat()},
            "planned_end_date",
            "at least 8 months",
        ),
    ],
)
def test_the_invitation_form_refuses_dates_beside_the_field(invite, changes, field, words):
    response = invite(**changes)
    assert response.status_code == 200
    assert words in errors_of(response, field)
    assert not Apprenticeship.objects.exists()
    assert not Invitation.objects.exists()


def test_the_invitation_form_shows_each_standards_typical_duration(client, manager, acme, standard):
    client.force_login(manager)
    response = client.get(reverse("accounts:apprentice-invite", kwargs={"pk": acme.pk}))
    assert "(v1.0), typically 24 months" in response.content.decode()
    assert "At least 8 months" in response.content.decode()


def test_the_edit_form_refuses_far_dates_and_keeps_the_saved_ones(client, manager, apprenticeship):
    client.force_login(manager)
    before = (apprenticeship.start_date, apprenticeship.planned_end_date)
    response = client.post(
        reverse("accounts:apprenticeship-edit", kwargs={"pk": apprenticeship.pk}),
        {
            "mentor": apprenticeship.mentor_id,
            "start_date": "9999-12-30",
            "planned_end_date": "9999-12-31",
            "weekly_hours": "30",
            "otj_target_hours": "300",
        },
    )
    assert response.status_code == 200
    assert "at most a year from today" in errors_of(response, "start_date")
    apprenticeship.refresh_from_db()
    assert (apprenticeship.start_date, apprenticeship.planned_end_date) == before


def test_an_edit_that_leaves_the_dates_alone_does_not_fail_on_them(client, manager, apprenticeship):
    """A start that was a year ahead when it was set may be more than that later; changing the
    mentor alone does not trip over it."""
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(
        start_date=date(2015, 1, 1), planned_end_date=date(2015, 4, 1)
    )
    client.force_login(manager)
    response = client.post(
        reverse("accounts:apprenticeship-edit", kwargs={"pk": apprenticeship.pk}),
        {
            "mentor": "",
            "start_date": "2015-01-01",
            "planned_end_date": "2015-04-01",
            "weekly_hours": "30",
            "otj_target_hours": "300",
        },
    )
    assert response.status_code == 302


def test_evidence_before_the_start_is_refused_beside_the_date(client, apprentice, apprenticeship):
    client.force_login(apprentice)
    for day, words in [
        ("0001-01-01", "before the apprenticeship's start"),
        ((apprenticeship.start_date - timedelta(days=1)).isoformat(), "before"),
        ("9999-12-31", "cannot be in the future"),
    ]:
        response = client.post(
            reverse("tracker:evidence-create", kwargs={"pk": apprenticeship.pk}),
            {
                "title": "Pipeline",
                "occurred_on": day,
                "activity_type": "project_work",
                "off_the_job_hours": "2",
                "action": "save",
            },
        )
        assert response.status_code == 200
        assert words in errors_of(response, "occurred_on")
    assert not Evidence.objects.exists()


def test_reviews_are_dated_near_the_programme(client, mentor, apprenticeship):
    client.force_login(mentor)
    url = reverse("tracker:progress-review-create", kwargs={"pk": apprenticeship.pk})
    data = {"progress": "Good", "actions": "More"}
    before_start = (apprenticeship.start_date - timedelta(days=1)).isoformat()
    response = client.post(url, {**data, "held_on": before_start, "next_due_on": ""})
    assert "before the apprenticeship's start" in errors_of(response, "held_on")
    held = date.today().isoformat()
    response = client.post(url, {**data, "held_on": held, "next_due_on": "9999-12-31"})
    assert "within a year" in errors_of(response, "next_due_on")
    assert not ProgressReview.objects.exists()


# --- the database holds the window, so no page can meet a date off the calendar ----------------


@pytest.mark.parametrize(
    ("model_factory", "fields"),
    [
        (
            ApprenticeshipFactory,
            {"start_date": date(9999, 12, 30), "planned_end_date": date(9999, 12, 31)},
        ),
        (ApprenticeshipFactory, {"start_date": date(1, 1, 1)}),
        (EvidenceFactory, {"occurred_on": date(1, 1, 1)}),
        (EvidenceFactory, {"occurred_on": date(9999, 12, 31)}),
        (ProgressReviewFactory, {"held_on": date(9999, 12, 30), "next_due_on": date(9999, 12, 31)}),
    ],
)
def test_the_database_refuses_dates_off_the_window(model_factory, fields, apprenticeship):
    extra = {} if model_factory is ApprenticeshipFactory else {"apprenticeship": apprenticeship}
    with pytest.raises(IntegrityError), transaction.atomic():
        model_factory(**extra, **fields)


def test_admin_and_services_meet_the_same_rules(apprenticeship):
    apprenticeship.start_date, apprenticeship.planned_end_date = date(1, 1, 1), date(2026, 1, 1)
    with pytest.raises(ValidationError) as caught:
        apprenticeship.full_clean()
    assert "start_date" in caught.value.message_dict
    apprenticeship.refresh_from_db()
    evidence = Evidence(apprenticeship=apprenticeship, title="x", occurred_on=date(2000, 1, 1))
    with pytest.raises(ValidationError) as caught:
        evidence.full_clean()
    assert "occurred_on" in caught.value.message_dict
