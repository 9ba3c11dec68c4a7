import pytest
from django.urls import reverse

from tests.factories import ApprenticeshipFactory, EvidenceFactory, ProgressReviewFactory
from tracker.models import DutySignOff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1, 10])
@pytest.mark.parametrize(
    "name", ["tracker_evidence", "tracker_dutysignoff", "tracker_progressreview"]
)
def test_tracker_admin_lists_use_no_query_per_row(
    admin_client, acme, standard, django_assert_max_num_queries, size, name
):
    for _ in range(size):
        apprenticeship = ApprenticeshipFactory(organisation=acme, standard=standard)
        EvidenceFactory(apprenticeship=apprenticeship, status="accepted")
        ProgressReviewFactory(apprenticeship=apprenticeship)
        DutySignOff.objects.create(
            apprenticeship=apprenticeship,
            duty=standard.duties.first(),
            action="signed_off",
            note="Seen it.",
        )
    with django_assert_max_num_queries(10):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_evidence_admin_page_shows_its_history(admin_client, apprenticeship):
    evidence = EvidenceFactory(apprenticeship=apprenticeship)
    response = admin_client.get(reverse("admin:tracker_evidence_change", args=[evidence.pk]))
    assert response.status_code == 200


def test_sign_offs_are_read_only_in_admin(admin_client, apprenticeship, standard):
    sign_off = DutySignOff.objects.create(
        apprenticeship=apprenticeship, duty=standard.duties.first(), action="signed_off"
    )
    assert admin_client.get(reverse("admin:tracker_dutysignoff_add")).status_code == 403
    change = reverse("admin:tracker_dutysignoff_change", args=[sign_off.pk])
    response = admin_client.post(change, {"action": "undone", "note": "edited"})
    assert response.status_code == 403
    sign_off.refresh_from_db()
    assert (sign_off.action, sign_off.note) == ("signed_off", "")
    delete = reverse("admin:tracker_dutysignoff_delete", args=[sign_off.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_accepted_evidence_and_signed_reviews_are_read_only_in_admin(
    admin_client, apprenticeship, mentor
):
    from django.utils import timezone

    accepted = EvidenceFactory(apprenticeship=apprenticeship, status="accepted", title="Kept")
    draft = EvidenceFactory(apprenticeship=apprenticeship, status="draft")
    signed = ProgressReviewFactory(
        apprenticeship=apprenticeship, employer_signed_at=timezone.now(), employer_signed_by=mentor
    )
    unsigned = ProgressReviewFactory(apprenticeship=apprenticeship)
    for obj, name, status in (
        (accepted, "evidence", 403),
        (signed, "progressreview", 403),
    ):
        url = reverse(f"admin:tracker_{name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200  # shown, read only
        assert admin_client.post(url, {"title": "Rewritten"}).status_code == status
    accepted.refresh_from_db()
    assert accepted.title == "Kept"
    for obj, name in ((draft, "evidence"), (unsigned, "progressreview")):
        html = admin_client.get(reverse(f"admin:tracker_{name}_change", args=[obj.pk])).content
        assert b'type="submit"' in html and b"Save" in html
