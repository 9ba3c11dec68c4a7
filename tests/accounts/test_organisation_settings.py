"""The organisation's reminder settings: who may change them, their bounds, and a new review
interval reaching the rule book and the stored figures of every apprenticeship."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Organisation
from accounts.services import organisation_settings_save
from progress.models import Tally
from progress.tally import tally_check
from tests.factories import ApprenticeshipFactory, ProgressReviewFactory
from tracker.review_forms import ProgressReviewForm
from tracker.rules import next_review

pytestmark = pytest.mark.django_db

GOOD = {
    "review_interval_weeks": "8",
    "evidence_waiting_days": "3",
    "scan_interval_weeks": "52",
    "decisions_by": "either",
}


def _url(organisation):
    return reverse("accounts:organisation-settings", kwargs={"pk": organisation.pk})


def test_defaults(acme):
    assert (acme.review_interval_weeks, acme.evidence_waiting_days, acme.scan_interval_weeks) == (
        12,
        5,
        26,
    )


def test_the_manager_sees_the_form_and_the_mentor_does_not(client, acme, manager, mentor):
    client.force_login(manager)
    page = client.get(acme.get_absolute_url()).content.decode()
    assert _url(acme) in page and 'name="review_interval_weeks"' in page
    client.force_login(mentor)
    assert _url(acme) not in client.get(acme.get_absolute_url()).content.decode()


def test_a_manager_saves_the_settings(client, acme, manager):
    client.force_login(manager)
    response = client.post(_url(acme), GOOD, follow=True)
    assert response.redirect_chain == [(acme.get_absolute_url(), 302)]
    assert "The settings of Acme Digital have been saved." in response.content.decode()
    acme.refresh_from_db()
    assert (acme.review_interval_weeks, acme.evidence_waiting_days, acme.scan_interval_weeks) == (
        8,
        3,
        52,
    )


def test_a_get_is_refused(client, acme, manager):
    client.force_login(manager)
    assert client.get(_url(acme)).status_code == 405


def test_a_mentor_may_not_and_another_organisation_is_a_404(
    client, acme, globex, mentor, other_manager
):
    client.force_login(mentor)
    assert client.post(_url(acme), GOOD).status_code == 403
    client.force_login(other_manager)
    assert client.post(_url(acme), GOOD).status_code == 404
    acme.refresh_from_db()
    assert acme.review_interval_weeks == 12


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("review_interval_weeks", "0", "greater than or equal to 1"),
        ("review_interval_weeks", "53", "less than or equal to 52"),
        ("evidence_waiting_days", "0", "greater than or equal to 1"),
        ("evidence_waiting_days", "31", "less than or equal to 30"),
        ("scan_interval_weeks", "3", "greater than or equal to 4"),
        ("scan_interval_weeks", "105", "less than or equal to 104"),
        ("scan_interval_weeks", "-1", "greater than or equal to 4"),
        ("review_interval_weeks", "twelve", "Enter a whole number."),
        ("evidence_waiting_days", "2.5", "Enter a whole number."),
        ("scan_interval_weeks", "", "This field is required."),
    ],
)
def test_bad_input_shows_the_page_again_with_the_error_and_nothing_lost(
    client, acme, manager, field, value, error
):
    client.force_login(manager)
    response = client.post(_url(acme), {**GOOD, field: value})
    assert response.status_code == 200
    form = response.context["settings_form"]
    assert error in " ".join(form.errors[field])
    assert list(form.errors) == [field]
    page = response.content.decode()
    assert f'id="error_1_id_{field}"' in page  # beside its field (crispy)
    for name, typed in {**GOOD, field: value}.items():
        if typed:
            assert f'name="{name}" value="{typed}"' in page
    acme.refresh_from_db()
    assert acme.review_interval_weeks == 12 and acme.scan_interval_weeks == 26


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("review_interval_weeks", 0),
        ("review_interval_weeks", 53),
        ("evidence_waiting_days", 31),
        ("scan_interval_weeks", 3),
        ("scan_interval_weeks", 105),
    ],
)
def test_the_database_refuses_out_of_range_settings(acme, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=acme.pk).update(**{field: value})


@pytest.mark.parametrize(("weeks", "ok"), [(1, True), (52, True)])
def test_the_bounds_themselves_are_allowed(acme, weeks, ok):
    organisation_settings_save(
        organisation=acme,
        review_interval_weeks=weeks,
        evidence_waiting_days=30 if weeks == 52 else 1,
        scan_interval_weeks=104 if weeks == 52 else 4,
    )
    acme.refresh_from_db()
    assert acme.review_interval_weeks == weeks


def test_a_new_review_interval_moves_the_stored_due_dates(client, acme, manager, standard):
    start = date.today() - timedelta(days=20)
    unreviewed = ApprenticeshipFactory(organisation=acme, standard=standard, start_date=start)
    reviewed = ApprenticeshipFactory(organisation=acme, standard=standard, start_date=start)
    agreed = date.today() + timedelta(days=40)
    ProgressReviewFactory(apprenticeship=reviewed, next_due_on=agreed)
    elsewhere = ApprenticeshipFactory(standard=standard, start_date=start)
    assert Tally.objects.get(pk=unreviewed.pk).review_due_on == start + timedelta(weeks=12)

    client.force_login(manager)
    client.post(_url(acme), {**GOOD, "review_interval_weeks": "2"})

    assert Tally.objects.get(pk=unreviewed.pk).review_due_on == start + timedelta(weeks=2)
    assert Tally.objects.get(pk=reviewed.pk).review_due_on == agreed  # as agreed, not moved
    assert Tally.objects.get(pk=elsewhere.pk).review_due_on == start + timedelta(weeks=12)
    assert tally_check() == []
    unreviewed.refresh_from_db()
    assert next_review(unreviewed, None).overdue  # 20 days in, 2 weeks: overdue


def test_other_settings_leave_the_tallies_alone(acme, standard, django_assert_num_queries):
    ApprenticeshipFactory(organisation=acme, standard=standard)
    # A lock on the row, the savepoint's pair, the save: no refresh.
    with django_assert_num_queries(4):
        organisation_settings_save(
            organisation=acme,
            review_interval_weeks=12,
            evidence_waiting_days=9,
            scan_interval_weeks=30,
        )


def test_the_review_form_proposes_the_organisations_interval(apprenticeship):
    Organisation.objects.filter(pk=apprenticeship.organisation_id).update(review_interval_weeks=6)
    apprenticeship.organisation.refresh_from_db()
    form = ProgressReviewForm(apprenticeship=apprenticeship)
    assert form.initial["next_due_on"] == date.today() + timedelta(weeks=6)
    assert "6 weeks" in form.fields["next_due_on"].help_text
    held = date.today() - timedelta(days=1)
    form = ProgressReviewForm(
        {"held_on": held.isoformat(), "next_due_on": "", "progress": "Fine", "actions": "More"},
        apprenticeship=apprenticeship,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["next_due_on"] == held + timedelta(weeks=6)


def test_the_service_refuses_out_of_range_settings(acme):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        organisation_settings_save(
            organisation=acme,
            review_interval_weeks=0,
            evidence_waiting_days=31,
            scan_interval_weeks=26,
        )
    assert set(caught.value.message_dict) == {"review_interval_weeks", "evidence_waiting_days"}
    acme.refresh_from_db()
    assert (acme.review_interval_weeks, acme.evidence_waiting_days) == (12, 5)
