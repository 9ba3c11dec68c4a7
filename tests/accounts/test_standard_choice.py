"""Issue 13: only versions approved for delivery are offered for new apprenticeships, in the
manager's invitation form and in the admin; an existing apprenticeship keeps its version."""

import pytest
from django.urls import reverse

from accounts.models import Apprenticeship, Invitation
from standards.models import Standard
from tests.factories import ApprenticeshipFactory, StandardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(standard):
    return {
        "approved": standard,
        "draft": StandardFactory(reference=standard.reference, version="1.1", status="draft"),
        "retired": StandardFactory(reference=standard.reference, version="0.9", status="retired"),
    }


def invite_url(organisation):
    return reverse("accounts:apprentice-invite", kwargs={"pk": organisation.pk})


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_the_invitation_form_offers_only_approved_versions(manager_client, acme, versions):
    form = manager_client.get(invite_url(acme)).context["form"]
    assert list(form.fields["standard"].queryset) == [versions["approved"]]


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_a_tampered_invitation_onto_a_version_not_approved_is_refused(
    manager_client, acme, mentor, versions, status
):
    response = manager_client.post(
        invite_url(acme),
        {
            "email": "ann@example.com",
            "full_name": "Ann Learner",
            "standard": versions[status].pk,
            "start_date": "2026-09-01",
            "planned_end_date": "2028-08-31",
            "mentor": mentor.pk,
            "weekly_hours": "30",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["standard"] == [
        "Choose a standard version that is approved for delivery."
    ]
    assert not Invitation.objects.exists() and not Apprenticeship.objects.exists()


def test_the_admin_offers_only_approved_versions_for_a_new_apprenticeship(admin_client, versions):
    response = admin_client.get(reverse("admin:accounts_apprenticeship_add"))
    field = response.context["adminform"].form.fields["standard"]
    assert list(field.queryset) == [versions["approved"]]


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_the_admin_refuses_a_tampered_new_apprenticeship_on_another_version(
    admin_client, versions, acme, apprentice, status
):
    response = admin_client.post(
        reverse("admin:accounts_apprenticeship_add"),
        {
            "apprentice": apprentice.pk,
            "standard": versions[status].pk,
            "organisation": acme.pk,
            "start_date": "2026-09-01",
            "planned_end_date": "2028-08-31",
            "weekly_hours": "30",
            "statuschange_set-TOTAL_FORMS": 0,
            "statuschange_set-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "standard" in response.context["adminform"].form.errors
    assert not Apprenticeship.objects.exists()


def test_an_existing_apprenticeship_shows_its_version_read_only(admin_client, versions):
    """It keeps showing its own version, retired or not, and cannot be switched here: only a
    move (which carries the records over) changes it."""
    apprenticeship = ApprenticeshipFactory(standard=versions["approved"])
    Standard.objects.filter(pk=versions["approved"].pk).update(status="retired")
    url = reverse("admin:accounts_apprenticeship_change", args=[apprenticeship.pk])
    response = admin_client.get(url)
    assert "standard" not in response.context["adminform"].form.fields
    assert str(versions["approved"]) in response.content.decode()
    other = versions["draft"]
    admin_client.post(url, {"standard": other.pk})
    apprenticeship.refresh_from_db()
    assert apprenticeship.standard == versions["approved"]
