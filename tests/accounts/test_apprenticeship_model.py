from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError

from accounts.models import Apprenticeship, Organisation
from accounts.rules import otj_minimum_hours
from tests.factories import ApprenticeshipFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "end", "hours", "expected"),
    [
        (date(2024, 9, 2), date(2026, 9, 1), 30, 625),  # 104 weeks and 2 days x 6 h
        (date(2024, 9, 2), date(2026, 9, 1), 37.5, 625),  # 6 h a week at 30 hours or more
        (date(2024, 9, 2), date(2026, 9, 1), 20, 417),  # 20% of 20 h = 4 h a week
        (date(2024, 9, 2), date(2024, 9, 30), 30, 24),  # 4 weeks
        (date(2024, 9, 2), date(2024, 9, 2), 30, 0),  # no planned weeks
        (date(2024, 9, 2), date(2024, 8, 2), 30, 0),  # never negative
    ],
)
def test_otj_minimum_is_six_hours_a_week_or_a_fifth_of_shorter_weeks(start, end, hours, expected):
    assert otj_minimum_hours(start, end, Decimal(str(hours))) == expected


def test_otj_target_defaults_to_the_minimum_and_stays_editable(standard, acme):
    apprenticeship = ApprenticeshipFactory(
        standard=standard,
        organisation=acme,
        start_date=date(2024, 9, 2),
        planned_end_date=date(2026, 9, 1),
        otj_target_hours=None,
    )
    assert apprenticeship.otj_target_hours == 625
    apprenticeship.otj_target_hours = 500
    apprenticeship.save()
    apprenticeship.refresh_from_db()
    assert apprenticeship.otj_target_hours == 500


def test_planned_end_must_follow_start(standard, acme):
    apprenticeship = Apprenticeship(
        apprentice=UserFactory(),
        standard=standard,
        organisation=acme,
        start_date=date(2025, 1, 1),
        planned_end_date=date(2025, 1, 1),
        otj_target_hours=0,
    )
    with pytest.raises(ValidationError) as exc:
        apprenticeship.full_clean()
    assert "planned_end_date" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        apprenticeship.save()


def test_otj_target_is_never_negative(apprenticeship):
    apprenticeship.otj_target_hours = -1
    with pytest.raises(ValidationError):
        apprenticeship.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Apprenticeship.objects.filter(pk=apprenticeship.pk).update(otj_target_hours=-1)


def test_only_a_pending_or_withdrawn_apprenticeship_may_lack_an_apprentice(apprenticeship):
    with pytest.raises(IntegrityError), transaction.atomic():
        Apprenticeship.objects.filter(pk=apprenticeship.pk).update(apprentice=None)
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(
        apprentice=None, status=Apprenticeship.Status.PENDING
    )


def test_mentor_must_be_a_member_of_the_organisation(apprenticeship, other_manager):
    apprenticeship.mentor = other_manager
    with pytest.raises(ValidationError) as exc:
        apprenticeship.full_clean()
    assert exc.value.message_dict["mentor"] == ["The mentor must be a member of the organisation."]


def test_month_of_programme_and_duration():
    start = date(2026, 4, 26)
    apprenticeship = Apprenticeship(start_date=start, planned_end_date=date(2028, 4, 25))
    assert apprenticeship.duration_months == 24
    assert apprenticeship.month_of_programme(date(2026, 4, 1)) == 0
    assert apprenticeship.month_of_programme(start) == 1
    assert apprenticeship.month_of_programme(date(2026, 11, 26)) == 8
    assert apprenticeship.month_of_programme(date(2030, 1, 1)) == 24


def test_a_standard_or_organisation_with_apprenticeships_cannot_be_deleted(apprenticeship):
    with pytest.raises(ProtectedError):
        apprenticeship.standard.delete()
    with pytest.raises(ProtectedError):
        apprenticeship.organisation.delete()


# --- visibility -----------------------------------------------------------------------------


@pytest.fixture
def cast(apprenticeship, other_apprenticeship, globex_apprenticeship):
    return {
        "mine": apprenticeship,
        "outsider": other_apprenticeship,
        "globex": globex_apprenticeship,
    }


def visible(user):
    return set(Apprenticeship.objects.visible_to(user).values_list("pk", flat=True))


def test_apprentice_sees_only_their_own(cast, apprentice):
    assert visible(apprentice) == {cast["mine"].pk}


def test_mentor_sees_the_apprenticeships_they_mentor(cast, mentor):
    assert visible(mentor) == {cast["mine"].pk}


def test_manager_sees_every_apprenticeship_of_their_organisation(cast, manager):
    assert visible(manager) == {cast["mine"].pk, cast["outsider"].pk}


def test_manager_of_another_organisation_sees_only_theirs(cast, other_manager):
    assert visible(other_manager) == {cast["globex"].pk}


def test_superuser_sees_all_and_anonymous_or_inactive_users_nothing(cast, superuser, apprentice):
    assert visible(superuser) == {a.pk for a in cast.values()}
    assert visible(AnonymousUser()) == set()
    apprentice.is_active = False
    assert visible(apprentice) == set()


def test_a_mentor_who_is_also_manager_elsewhere_sees_both_without_duplicates(cast, mentor, globex):
    MembershipFactory(user=mentor, organisation=globex, role="manager")
    pks = list(Apprenticeship.objects.visible_to(mentor).values_list("pk", flat=True))
    assert sorted(pks) == sorted({cast["mine"].pk, cast["globex"].pk})


def test_organisations_visible_and_managed(cast, manager, mentor, other_manager, superuser):
    acme, globex = cast["mine"].organisation, cast["globex"].organisation
    assert list(Organisation.objects.visible_to(mentor)) == [acme]
    assert list(Organisation.objects.managed_by(mentor)) == []
    assert list(Organisation.objects.managed_by(manager)) == [acme]
    assert list(Organisation.objects.visible_to(other_manager)) == [globex]
    assert set(Organisation.objects.managed_by(superuser)) == {acme, globex}


def test_invitation_expiry_is_fourteen_days():
    from accounts.models import INVITATION_VALID_DAYS

    assert timedelta(days=INVITATION_VALID_DAYS) == timedelta(days=14)
