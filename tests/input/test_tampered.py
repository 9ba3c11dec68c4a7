"""Tampered ids, path segments and bytes: a clear form error or a 404, never a 500, on either
database (issue: bad input never costs data or shows a 500)."""

import pytest
from django.urls import reverse

from accounts.models import Apprenticeship, StatusChange
from core.converters import MAX_ID
from tests.factories import make_standard
from tracker.models import Evidence

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/standards/%00/",
        "/standards/ST0825/%00/",
        "/standards/ST%000825/1.0/",
        "/standards/" + "A" * 300 + "/",
        "/standards/ST0825/" + "9" * 300 + "/",
        "/standards/%E2%80%AE/",
        "/standards/../",
        "/invite/%00/",
        "/invite/" + "a" * 500 + "/",
        f"/apprenticeships/{2**63}/",
        f"/apprenticeships/{10**30}/",
        f"/evidence/{MAX_ID + 1}/",
        "/apprenticeships/0/",
        f"/apprenticeships/1/duties/{2**63}/",
        f"/scans/{2**63}/rate/k/",
        "/scans/1/rate/%00/",
    ],
)
def test_a_tampered_path_is_a_404(client, superuser, path):
    client.force_login(superuser)
    assert client.get(path).status_code == 404


def test_the_largest_id_a_database_holds_still_reaches_the_view(client, superuser):
    client.force_login(superuser)
    assert client.get(f"/apprenticeships/{MAX_ID}/").status_code == 404


def test_the_standards_pages_still_answer_for_real_references(client, st0825):
    assert client.get("/standards/ST0825/").status_code == 302
    assert client.get("/standards/ST0825/1.0/").status_code == 200


@pytest.mark.parametrize("ksb", [str(2**63), str(10**30), "-1", "0", "1e3", "NaN", "\x00", "٣"])
def test_a_tampered_ksb_id_is_a_form_error(client, apprentice, apprenticeship, ksb):
    client.force_login(apprentice)
    response = client.post(
        reverse("tracker:evidence-create", kwargs={"pk": apprenticeship.pk}),
        {
            "title": "Pipeline",
            "occurred_on": apprenticeship.start_date.isoformat(),
            "activity_type": "project_work",
            "off_the_job_hours": "1",
            "ksbs": [ksb],
            "action": "save",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ksbs"] == ["Choose KSBs of your own standard only."]
    assert not Evidence.objects.exists()


def test_a_ksb_of_another_standard_is_still_refused(client, apprentice, apprenticeship):
    other = make_standard(reference="ST0116", knowledge=1, skills=1, behaviours=1, duties=1)
    client.force_login(apprentice)
    response = client.post(
        reverse("tracker:evidence-create", kwargs={"pk": apprenticeship.pk}),
        {
            "title": "Pipeline",
            "occurred_on": apprenticeship.start_date.isoformat(),
            "activity_type": "project_work",
            "off_the_job_hours": "1",
            "ksbs": [other.ksbs.first().pk],
            "action": "save",
        },
    )
    assert response.context["form"].errors["ksbs"] == ["Choose KSBs of your own standard only."]


@pytest.fixture
def ready_for_gateway(monkeypatch, apprenticeship):
    """The gateway checklist holding, whatever the data (its lines are tested elsewhere)."""
    from accounts import status

    monkeypatch.setitem(status._GUARDS, Apprenticeship.Status.GATEWAY, [])
    return apprenticeship


@pytest.mark.parametrize(
    ("note", "words"),
    [("a\x00b", "Null characters are not allowed."), ("x" * 2001, "at most 2000 characters")],
)
def test_the_gateway_note_goes_through_a_form(client, manager, ready_for_gateway, note, words):
    client.force_login(manager)
    url = reverse("progress:gateway-mark", kwargs={"pk": ready_for_gateway.pk})
    response = client.post(url, {"note": note})
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors["note"])
    ready_for_gateway.refresh_from_db()
    assert ready_for_gateway.status == Apprenticeship.Status.ACTIVE


def test_a_good_gateway_note_is_kept_with_the_change(client, manager, ready_for_gateway):
    client.force_login(manager)
    url = reverse("progress:gateway-mark", kwargs={"pk": ready_for_gateway.pk})
    assert client.post(url, {"note": "  Ready for EPA  "}).status_code == 302
    change = StatusChange.objects.filter(apprenticeship=ready_for_gateway).latest("at")
    assert (change.new_status, change.note) == ("gateway", "Ready for EPA")


@pytest.mark.parametrize(
    "query",
    [
        "status__exact=%00",
        "q=" + "a" * 100_000,
        "start_date__year=9223372036854775808",
        "start_date__year=2026&start_date__month=%D9%A3",
        "%00=1",
    ],
)
def test_a_malformed_query_string_is_a_400_before_any_view(client, superuser, query):
    client.force_login(superuser)
    assert client.get(f"/admin/accounts/apprenticeship/?{query}").status_code == 400
    assert client.get(f"/?{query}").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "q=Alex",
        "start_date__year=2026&start_date__month=5",
        "status__exact=active",
        "q=" + "a" * 1000,
    ],
)
def test_ordinary_admin_queries_still_work(client, superuser, apprenticeship, query):
    client.force_login(superuser)
    assert client.get(f"/admin/accounts/apprenticeship/?{query}").status_code == 200


def test_an_overlong_invited_address_is_refused_beside_the_field(client, manager, acme):
    client.force_login(manager)
    response = client.post(
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        {"email": "a" * 300 + "@example.com", "full_name": "Max", "role": "mentor"},
    )
    assert response.status_code == 200
    assert "at most 254 characters" in " ".join(response.context["form"].errors["email"])
