import pytest
from django.urls import reverse

from tests.factories import make_scan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1, 8])
def test_scan_admin_lists_without_a_query_per_row(
    admin_client, apprenticeship, acme, standard, django_assert_max_num_queries, size
):
    from tests.factories import ApprenticeshipFactory

    for _ in range(size):
        make_scan(ApprenticeshipFactory(organisation=acme, standard=standard), status="submitted")
    with django_assert_max_num_queries(10):
        assert admin_client.get(reverse("admin:skillscan_skillscan_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:skillscan_ratingchange_changelist")).status_code == 200


def test_scan_admin_page_shows_its_ratings(admin_client, apprenticeship):
    scan = make_scan(apprenticeship, status="submitted")
    response = admin_client.get(reverse("admin:skillscan_skillscan_change", args=[scan.pk]))
    assert response.status_code == 200
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert len(formsets["ratings"].forms) == apprenticeship.standard.ksbs.count()


def test_a_submitted_scan_and_its_ratings_are_read_only_in_admin(admin_client, apprenticeship):
    scan = make_scan(apprenticeship, status="submitted", scores={"K1": 2})
    url = reverse("admin:skillscan_skillscan_change", args=[scan.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="ratings-0-score"' not in html
    assert admin_client.post(url, {"stage": "final", "status": "draft"}).status_code == 403
    scan.refresh_from_db()
    assert (scan.stage, scan.status) == ("initial", "submitted")
    draft = make_scan(apprenticeship, stage="review", scores={"K1": 1})
    html = admin_client.get(reverse("admin:skillscan_skillscan_change", args=[draft.pk])).content
    assert b'name="ratings-0-score"' in html
