"""The notification models in the admin: listed and searchable; inbox items and what was
sent are records to read, never added, changed or deleted by hand."""

import pytest
from django.urls import reverse

from notify.models import DigestChoice, Notification, Preference, Sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(mentor):
    item = Notification.objects.create(
        recipient=mentor, kind="evidence_submitted", title="Evidence to review", url="/"
    )
    sent = Sent.objects.create(recipient=mentor, kind="digest", subject="digest", period="2026-W50")
    Preference.objects.create(user=mentor, kind="review_due", channel="off")
    DigestChoice.objects.create(user=mentor, frequency="weekly")
    return item, sent


@pytest.mark.parametrize("model", ["notification", "preference", "digestchoice", "sent"])
def test_each_list_loads_and_searches(admin_client, records, model, django_assert_max_num_queries):
    url = reverse(f"admin:notify_{model}_changelist")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url, {"q": "mentor"})
    assert response.status_code == 200
    assert "Mina Mentor" in response.content.decode()


@pytest.mark.parametrize("model", ["notification", "sent"])
def test_records_are_read_only(admin_client, records, model):
    item, sent = records
    obj = item if model == "notification" else sent
    assert admin_client.get(reverse(f"admin:notify_{model}_add")).status_code == 403
    change = reverse(f"admin:notify_{model}_change", args=[obj.pk])
    response = admin_client.post(change, {"title": "Changed", "period": "x"})
    assert response.status_code == 403
    assert admin_client.post(
        reverse(f"admin:notify_{model}_delete", args=[obj.pk])
    ).status_code == (403)
    assert admin_client.get(change).status_code == 200  # to read


def test_choices_can_be_changed_by_an_admin(admin_client, mentor, records):
    choice = Preference.objects.get(user=mentor)
    url = reverse("admin:notify_preference_change", args=[choice.pk])
    response = admin_client.post(url, {"user": mentor.pk, "kind": "review_due", "channel": "inapp"})
    assert response.status_code == 302
    choice.refresh_from_db()
    assert choice.channel == "inapp"
