"""The dashboard's and the caseload's bulk action: the selected rows get a mentor (a manager)
or a tutor (a provider manager, recorded as a tutor change); rows the user may not change are
left alone and counted."""

import pytest
from django.urls import reverse

from accounts.models import TutorChange

pytestmark = pytest.mark.django_db


def assign(client, what, apprenticeships, **data):
    return client.post(
        reverse("accounts:bulk-assign"),
        {
            "assign": what,
            "apprenticeships": [a.pk for a in apprenticeships],
            "next": reverse("progress:dashboard"),
            **data,
        },
    )


def test_a_manager_gives_the_selected_rows_a_mentor(
    client, acme, manager, mentor, apprenticeship, other_apprenticeship, globex_apprenticeship
):
    client.force_login(manager)
    dashboard = client.get(reverse("progress:dashboard")).content.decode()
    assert 'form="bulk-assign"' in dashboard and "Assign a mentor" in dashboard
    chosen = [apprenticeship, other_apprenticeship, globex_apprenticeship]
    page = assign(client, "mentor", chosen)
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 other selected apprenticeship is left alone" in html
    assert "Gus Globex" not in html
    done = assign(client, "mentor", chosen, person=mentor.pk)
    assert done.url == reverse("progress:dashboard")
    other_apprenticeship.refresh_from_db()
    globex_apprenticeship.refresh_from_db()
    assert other_apprenticeship.mentor == mentor
    assert globex_apprenticeship.mentor.email == "globex@example.com"
    message = [str(m) for m in client.get(done.url).context["messages"]]
    assert any("now the mentor of 2 apprenticeships" in m and "1 selected" in m for m in message)


def test_someone_outside_the_organisation_cannot_be_named_mentor(
    client, acme, manager, apprenticeship, other_manager
):
    client.force_login(manager)
    page = assign(client, "mentor", [apprenticeship], person=other_manager.pk)
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    apprenticeship.refresh_from_db()
    assert apprenticeship.mentor.email == "mentor@example.com"


def test_a_mentor_may_not_assign_mentors(client, mentor, apprenticeship, manager):
    client.force_login(mentor)
    assert "Assign a mentor" not in client.get(reverse("progress:dashboard")).content.decode()
    response = assign(client, "mentor", [apprenticeship], person=manager.pk)
    assert response.status_code == 302
    apprenticeship.refresh_from_db()
    assert apprenticeship.mentor == mentor


def test_a_provider_manager_gives_the_selected_rows_a_tutor(client, world):
    users = world["users"]
    client.force_login(users["provider_manager"])
    caseload = client.get(reverse("progress:caseload")).content.decode()
    assert "Assign a tutor" in caseload
    apprenticeship = world["apprenticeship"]
    done = assign(client, "tutor", [apprenticeship], person=users["former_tutor"].pk)
    assert done.status_code == 302
    apprenticeship.refresh_from_db()
    assert apprenticeship.tutor == users["former_tutor"]
    change = TutorChange.objects.filter(apprenticeship=apprenticeship).latest("at", "pk")
    assert (change.old_tutor, change.new_tutor) == (users["tutor"], users["former_tutor"])
    assert change.by == users["provider_manager"]


def test_a_tutor_sees_no_bulk_action_and_changes_nothing(client, world):
    users = world["users"]
    client.force_login(users["tutor"])
    assert "Assign a tutor" not in client.get(reverse("progress:caseload")).content.decode()
    assign(client, "tutor", [world["apprenticeship"]], person=users["former_tutor"].pk)
    world["apprenticeship"].refresh_from_db()
    assert world["apprenticeship"].tutor == users["tutor"]


def test_bulk_assign_refuses_a_get_and_a_foreign_next(client, manager, apprenticeship, mentor):
    client.force_login(manager)
    assert client.get(reverse("accounts:bulk-assign")).status_code == 405
    response = assign(client, "mentor", [apprenticeship], next="https://evil.example/")
    assert response.status_code == 200
    response = client.post(
        reverse("accounts:bulk-assign"),
        {
            "assign": "mentor",
            "apprenticeships": [apprenticeship.pk],
            "person": mentor.pk,
            "next": "https://evil.example/",
        },
    )
    assert response.url == reverse("progress:dashboard")
