"""Names refuse the hidden characters that reverse the text after them (a "Trojan Source"
spoof: "\u202eredliub" shows as "builder"), with the message beside the field."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.forms import (
    ApprenticeInviteForm,
    MemberInviteForm,
    OrganisationForm,
    ProfileForm,
    SignupForm,
)
from accounts.models import Invitation, Organisation, User
from tests.accounts.test_auth import SIGNUP

pytestmark = pytest.mark.django_db

MESSAGE = "Remove the hidden text-direction characters"
SPOOFED = ["Alex \u202eredliuB", "\u2067Morgan\u2069 Manager", "Sam \u202aSomeone"]
ACCEPTED = ["محمد عبد الله", "דנה לוי", "Zoë O'Brien", "\u200fדנה לוי"]


FORMS = {
    "signup": (SignupForm, "full_name"),
    "profile": (ProfileForm, "full_name"),
    "apprentice invitation": (ApprenticeInviteForm, "full_name"),
    "member invitation": (MemberInviteForm, "full_name"),
    "organisation": (OrganisationForm, "name"),
}


def bound(form_name, value, acme, user):
    form_class, field = FORMS[form_name]
    kwargs = {
        ProfileForm: {"instance": user},
        ApprenticeInviteForm: {"organisation": acme},
        MemberInviteForm: {"organisation": acme},
    }.get(form_class, {})
    return form_class({field: value}, **kwargs), field


@pytest.mark.parametrize("name", SPOOFED)
@pytest.mark.parametrize("form_name", FORMS)
def test_every_name_field_refuses_direction_overrides_beside_the_field(acme, user, form_name, name):
    form, field = bound(form_name, name, acme, user)
    assert not form.is_valid()
    (error,) = form.errors[field]
    assert error.startswith(MESSAGE)


@pytest.mark.parametrize("name", ACCEPTED)
@pytest.mark.parametrize("form_name", FORMS)
def test_names_in_any_script_are_accepted(acme, user, form_name, name):
    form, field = bound(form_name, name, acme, user)
    form.is_valid()
    assert field not in form.errors


def test_the_models_refuse_them_too_so_the_admin_does(acme, user):
    user.full_name = SPOOFED[0]
    acme.name = SPOOFED[1]
    invitation = Invitation(organisation=acme, email="x@example.com", full_name=SPOOFED[2])
    for record, field in ((user, "full_name"), (acme, "name"), (invitation, "full_name")):
        with pytest.raises(ValidationError) as refused:
            record.full_clean()
        assert refused.value.message_dict[field][0].startswith(MESSAGE)


def test_sign_up_shows_the_message_and_keeps_the_address(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "full_name": SPOOFED[0]})
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"][0].startswith(MESSAGE)
    assert 'value="New.Person@Example.com"' in response.content.decode()
    assert not User.objects.exists()


def test_a_new_organisation_with_a_spoofed_name_is_not_created(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:organisation-create"), {"name": SPOOFED[1]})
    assert response.status_code == 200
    assert response.context["form"].errors["name"][0].startswith(MESSAGE)
    assert not Organisation.objects.exists()
