import pytest
from django.urls import reverse

from tests.factories import ApprenticeshipFactory, EvidenceFactory, ProgressReviewFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1, 10])
@pytest.mark.parametrize(
    "name", ["tracker_evidence", "tracker_dutyprogress", "tracker_progressreview"]
)
def test_tracker_admin_lists_use_no_query_per_row(
    admin_client, acme, standard, django_assert_max_num_queries, size, name
):
    for _ in range(size):
        apprenticeship = ApprenticeshipFactory(organisation=acme, standard=standard)
        EvidenceFactory(apprenticeship=apprenticeship, status="accepted")
        ProgressReviewFactory(apprenticeship=apprenticeship)
    with django_assert_max_num_queries(10):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_evidence_admin_page_shows_its_history(admin_client, apprenticeship):
    evidence = EvidenceFactory(apprenticeship=apprenticeship)
    response = admin_client.get(reverse("admin:tracker_evidence_change", args=[evidence.pk]))
    assert response.status_code == 200
