import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_custom_user_model_is_in_use():
    assert get_user_model() is User
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(User(), "username") or User().username is None


def test_create_user_with_email_and_full_name():
    user = User.objects.create_user(
        "Ann.Learner@Example.COM", "pw-12345678", full_name="Ann Learner"
    )
    assert user.email == "Ann.Learner@example.com"  # the domain is normalised
    assert user.check_password("pw-12345678")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert str(user) == "Ann Learner"
    assert user.get_short_name() == "Ann"


def test_user_without_a_name_shows_its_email():
    assert str(UserFactory(email="x@example.com", full_name="")) == "x@example.com"


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="e-mail address is required"):
        User.objects.create_user("", "pw")


def test_create_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser("boss@example.com", "pw-12345678")
    assert admin.is_staff and admin.is_superuser


def test_email_is_unique_regardless_of_case():
    UserFactory(email="sam@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="SAM@example.com")


def test_model_validation_reports_a_duplicate_email_whatever_its_case():
    UserFactory(email="sam@example.com")
    duplicate = User(email="Sam@Example.com")
    duplicate.set_unusable_password()
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "A user with this e-mail address already exists." in str(exc.value)


def test_login_finds_the_user_whatever_the_case_of_the_email():
    user = UserFactory(email="sam@example.com")
    assert authenticate(username="SAM@EXAMPLE.COM", password=PASSWORD) == user
    assert authenticate(username="sam@example.com", password="wrong") is None
