"""Issue 13: wording corrections are kept with who, when, the old and the new text, and each
KSB, duty and standard has a History page in the admin that lists them."""

import pytest
from django.urls import reverse

from tests.factories import ApprenticeshipFactory

from .admin_forms import posted_back, text

pytestmark = pytest.mark.django_db

OLD_K3 = "Infrastructure as code and the benefits of using it."
NEW_K3 = "Infrastructure as code: its benefits, and how to review it as a team."


@pytest.fixture
def k3(st0825):
    ApprenticeshipFactory(standard=st0825)  # in use: wording is still editable
    ksb = st0825.ksbs.get(kind="K", number=3)
    ksb.description = OLD_K3
    ksb.save()
    return ksb


def edit_k3(admin_client, k3, wording=NEW_K3):
    url = reverse("admin:standards_ksb_change", args=[k3.pk])
    data = posted_back(admin_client.get(url))
    data["description"] = wording
    response = admin_client.post(url, data)
    assert response.status_code == 302


def test_a_wording_edit_is_kept_with_the_admin_who_made_it(admin_client, admin_user, k3):
    edit_k3(admin_client, k3)
    latest, before = k3.history.all()[:2]
    assert latest.history_type == "~"
    assert latest.history_user == admin_user  # from HistoryRequestMiddleware / the admin
    assert (before.description, latest.description) == (OLD_K3, NEW_K3)


def test_the_ksb_history_page_lists_who_when_old_and_new_text(admin_client, admin_user, k3):
    edit_k3(admin_client, k3)
    response = admin_client.get(reverse("admin:standards_ksb_history", args=[k3.pk]))
    assert response.status_code == 200
    page = text(response)
    assert str(admin_user) in page
    # Whole texts, old and new, even past simple_history's usual 100 characters.
    edit_k3(admin_client, k3, wording=NEW_K3 + " " + "x" * 150)
    page = text(admin_client.get(reverse("admin:standards_ksb_history", args=[k3.pk])))
    assert OLD_K3 in page and NEW_K3 + " " + "x" * 150 in page


@pytest.mark.parametrize("name", ["standard", "duty"])
def test_standard_and_duty_history_pages_load(admin_client, st0825, name):
    obj = st0825 if name == "standard" else st0825.duties.first()
    response = admin_client.get(reverse(f"admin:standards_{name}_history", args=[obj.pk]))
    assert response.status_code == 200


def test_the_ksb_list_shows_when_wording_last_changed(admin_client, st0825, k3):
    url = reverse("admin:standards_ksb_changelist")
    edit_k3(admin_client, k3)
    rows = {ksb.pk: ksb for ksb in admin_client.get(url).context["cl"].result_list}
    assert rows[k3.pk].wording_changed_at == k3.history.first().history_date
    assert rows[st0825.ksbs.get(kind="K", number=4).pk].wording_changed_at is None


def test_reverting_from_the_history_page_cannot_renumber_a_version_in_use(admin_client, st0825, k3):
    """A revert posts the form of an old version: the frozen rule applies to it too."""
    k3.number = 30
    st0825.apprenticeships.all().delete()
    k3.save()  # renumbered while unused
    ApprenticeshipFactory(standard=st0825)
    old = k3.history.filter(number=3).first()
    url = reverse("admin:standards_ksb_simple_history", args=[k3.pk, old.history_id])
    data = posted_back(admin_client.get(url))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "is in use by 1 apprenticeship" in text(response)
    k3.refresh_from_db()
    assert k3.number == 30
