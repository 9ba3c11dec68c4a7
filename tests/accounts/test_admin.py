import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from tests.factories import ApprenticeshipFactory, InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["accounts_organisation", "accounts_apprenticeship", "accounts_invitation"]
)
def test_changelist_and_add_pages_load(admin_client, apprenticeship, name):
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_organisation_page_has_memberships_inline(admin_client, acme, manager, mentor):
    response = admin_client.get(reverse("admin:accounts_organisation_change", args=[acme.pk]))
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert len(formsets["memberships"].forms) == 2


def test_apprenticeships_search_by_apprentice_name_and_email_and_filter(
    admin_client, apprenticeship, other_apprenticeship, globex_apprenticeship
):
    url = reverse("admin:accounts_apprenticeship_changelist")
    count = lambda **q: admin_client.get(url, q).context["cl"].result_count  # noqa: E731
    assert count(q="Alex Apprentice") == 1
    assert count(q="apprentice2@example.com") == 1
    assert count(organisation__id__exact=apprenticeship.organisation_id) == 2
    assert count(standard__id__exact=apprenticeship.standard_id) == 3
    assert count(status__exact="active") == 3
    assert count(status__exact="paused") == 0


def test_invitations_filter_by_state(admin_client, acme, standard):
    InvitationFactory(organisation=acme, apprenticeship__standard=standard)
    InvitationFactory(
        organisation=acme, apprenticeship__standard=standard, accepted_at=timezone.now()
    )
    InvitationFactory(
        organisation=acme, apprenticeship__standard=standard, expires_at=timezone.now()
    )
    url = reverse("admin:accounts_invitation_changelist")
    for state, expected in (("pending", 1), ("accepted", 1), ("expired", 1), ("revoked", 0)):
        response = admin_client.get(url, {"state": state})
        assert response.context["cl"].result_count == expected, state
    assert "Pending" in admin_client.get(url).content.decode()
    assert Invitation.objects.count() == 3


@pytest.mark.parametrize("size", [1, 12])
@pytest.mark.parametrize(
    "name", ["accounts_organisation", "accounts_apprenticeship", "accounts_invitation"]
)
def test_admin_lists_use_no_query_per_row(
    admin_client, acme, standard, django_assert_max_num_queries, size, name
):
    ApprenticeshipFactory.create_batch(size, organisation=acme, standard=standard)
    InvitationFactory.create_batch(size, organisation=acme, apprenticeship__standard=standard)
    with django_assert_max_num_queries(10):
        admin_client.get(reverse(f"admin:{name}_changelist"))
