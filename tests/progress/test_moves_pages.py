"""The pages that move apprenticeships to a newer version: the manager's page for a selection,
the page of one apprenticeship, and the admin's action. Who may, the report before the move,
the confirm step, refusals with nothing changed, and the queries at two sizes."""

import pytest
from django.urls import reverse

from accounts.models import Apprenticeship
from progress.models import StandardMove
from tests.factories import ApprenticeshipFactory, EvidenceFactory, UserFactory, make_scan
from tests.progress.test_moves import import_v11, ksb

pytestmark = pytest.mark.django_db


@pytest.fixture
def v11(st0825):
    return import_v11()


@pytest.fixture
def on_v10(st0825, acme, apprentice, mentor):
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice, standard=st0825, organisation=acme, mentor=mentor
    )
    make_scan(apprenticeship, status="validated")
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", ksbs=[ksb(st0825, "K3")])
    return apprenticeship


def org_url(acme):
    return reverse("progress:organisation-moves", kwargs={"pk": acme.pk})


def one_url(apprenticeship):
    return reverse("progress:apprenticeship-move", kwargs={"pk": apprenticeship.pk})


def test_the_manager_sees_the_apprenticeships_on_an_older_version(
    client, manager, acme, on_v10, v11
):
    client.force_login(manager)
    html = client.get(org_url(acme)).content.decode()
    assert "Alex Apprentice" in html and "ST0825 v1.0" in html
    assert f'<option value="{v11.pk}"' in html
    assert "Select all on this page" in html
    html = client.get(org_url(acme), {"all": "1"}).content.decode()
    assert f'value="{on_v10.pk}" id="move-{on_v10.pk}" checked' in html


def test_checking_shows_the_report_and_changes_nothing(client, manager, acme, on_v10, v11):
    client.force_login(manager)
    response = client.get(org_url(acme), {"apprenticeships": [on_v10.pk], "target": v11.pk})
    html = response.content.decode()
    assert "What moving to ST0825 v1.1 will do" in html
    assert "S22 (kept in the scan)" in html
    assert "K26" in html and "Move 1 apprenticeship to v1.1" in html
    on_v10.refresh_from_db()
    assert on_v10.standard.version == "1.0"
    assert not StandardMove.objects.exists()


def test_moving_needs_the_confirmation(client, manager, acme, on_v10, v11):
    client.force_login(manager)
    data = {"apprenticeships": [on_v10.pk], "target": v11.pk}
    response = client.post(org_url(acme), data)
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    assert not StandardMove.objects.exists()
    response = client.post(org_url(acme), {**data, "confirm": "on"}, follow=True)
    assert "Moved 1 apprenticeship to ST0825 v1.1." in response.content.decode()
    assert "Recent moves" in response.content.decode()
    on_v10.refresh_from_db()
    assert on_v10.standard == v11
    move = StandardMove.objects.get()
    assert (move.moved_by, move.from_standard.version) == (manager, "1.0")


def test_a_blocked_move_is_refused_with_its_reason(client, manager, acme, on_v10, v11):
    make_scan(on_v10, stage="review", status="submitted")
    client.force_login(manager)
    data = {"apprenticeships": [on_v10.pk], "target": v11.pk}
    html = client.get(org_url(acme), data).content.decode()
    assert "awaiting validation: validate it first" in html
    assert "Move 1 apprenticeship" not in html
    html = client.post(org_url(acme), {**data, "confirm": "on"}).content.decode()
    assert "Nothing was moved." in html
    on_v10.refresh_from_db()
    assert on_v10.standard.version == "1.0" and not StandardMove.objects.exists()


def test_apprenticeships_of_another_organisation_cannot_be_chosen(
    client, manager, acme, on_v10, v11, globex, st0825
):
    theirs = ApprenticeshipFactory(standard=st0825, organisation=globex)
    client.force_login(manager)
    data = {"apprenticeships": [theirs.pk], "target": v11.pk, "confirm": "on"}
    html = client.post(org_url(acme), data).content.decode()
    assert "cannot be moved from here" in html
    theirs.refresh_from_db()
    assert theirs.standard == st0825


def test_a_tampered_target_is_refused(client, manager, acme, on_v10, v11, st0825):
    client.force_login(manager)
    data = {"apprenticeships": [on_v10.pk], "target": st0825.pk, "confirm": "on"}
    html = client.post(org_url(acme), data).content.decode()
    assert "Choose one of the newer versions listed." in html
    assert not StandardMove.objects.exists()


def test_the_mentor_may_not_and_another_employer_does_not_see_it(
    client, mentor, other_manager, acme, on_v10, v11
):
    client.force_login(mentor)
    assert client.get(org_url(acme)).status_code == 403
    assert client.get(one_url(on_v10)).status_code == 403
    client.force_login(other_manager)
    assert client.get(org_url(acme)).status_code == 404
    assert client.get(one_url(on_v10)).status_code == 404
    data = {"target": v11.pk, "confirm": "on"}
    assert client.post(one_url(on_v10), data).status_code == 404
    assert not StandardMove.objects.exists()


def test_one_apprenticeship_moves_from_its_own_page(client, manager, on_v10, v11):
    client.force_login(manager)
    home = client.get(on_v10.get_absolute_url()).content.decode()
    assert one_url(on_v10) in home and "ST0825 v1.0" in home
    html = client.get(one_url(on_v10), {"target": v11.pk}).content.decode()
    assert "What moving to ST0825 v1.1 will do" in html
    response = client.post(one_url(on_v10), {"target": v11.pk, "confirm": "on"}, follow=True)
    html = response.content.decode()
    assert "Moved 1 apprenticeship to ST0825 v1.1." in html
    assert "ST0825 v1.1" in html  # the apprentice's home shows the new version
    on_v10.refresh_from_db()
    assert on_v10.standard == v11


def test_without_a_newer_version_the_page_says_so(client, manager, on_v10):
    client.force_login(manager)
    html = client.get(one_url(on_v10)).content.decode()
    assert "There is no newer version of ST0825 approved for delivery." in html


def test_the_apprentice_sees_no_move_link(client, apprentice, on_v10, v11):
    client.force_login(apprentice)
    assert one_url(on_v10) not in client.get(on_v10.get_absolute_url()).content.decode()


@pytest.mark.parametrize("size", [1, 12])
def test_the_organisation_page_and_its_report_cost_the_same_at_any_size(
    client, manager, acme, st0825, v11, size, django_assert_num_queries
):
    chosen = []
    for _ in range(size):
        apprenticeship = ApprenticeshipFactory(
            apprentice=UserFactory(), standard=st0825, organisation=acme
        )
        make_scan(apprenticeship, status="validated")
        EvidenceFactory(apprenticeship=apprenticeship, status="accepted", ksbs=[ksb(st0825, "K3")])
        chosen.append(apprenticeship.pk)
    client.force_login(manager)
    with django_assert_num_queries(10):  # 9 before the bell's unread count (issue 15)
        assert client.get(org_url(acme)).status_code == 200
    # Six of these build the two versions' structures, which a running server keeps.
    with django_assert_num_queries(22):
        response = client.get(org_url(acme), {"apprenticeships": chosen, "target": v11.pk})
    assert f"Move {size} apprenticeship" in response.content.decode()


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_action_reports_then_moves(admin_client, on_v10, v11):
    url = reverse("admin:accounts_apprenticeship_changelist")
    base = {"action": "move_to_newer_version", "_selected_action": [on_v10.pk]}
    html = admin_client.post(url, base).content.decode()
    assert "Check the move" in html
    html = admin_client.post(url, {**base, "target": v11.pk}).content.decode()
    assert "What moving to ST0825 v1.1 will do" in html
    assert not StandardMove.objects.exists()
    response = admin_client.post(
        url, {**base, "target": v11.pk, "confirm_move": "1", "confirm": "on"}, follow=True
    )
    assert "Moved 1 apprenticeship to ST0825 v1.1." in response.content.decode()
    on_v10.refresh_from_db()
    assert on_v10.standard == v11
    move = StandardMove.objects.get()
    change = reverse("admin:progress_standardmove_change", args=[move.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    delete = reverse("admin:progress_standardmove_delete", args=[move.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert StandardMove.objects.exists()


def test_the_admin_action_refuses_a_blocked_move(admin_client, on_v10, v11):
    Apprenticeship.objects.filter(pk=on_v10.pk).update(status="completed")
    url = reverse("admin:accounts_apprenticeship_changelist")
    data = {
        "action": "move_to_newer_version",
        "_selected_action": [on_v10.pk],
        "target": v11.pk,
        "confirm_move": "1",
        "confirm": "on",
    }
    html = admin_client.post(url, data).content.decode()
    assert "Alex Apprentice has completed." in html
    on_v10.refresh_from_db()
    assert on_v10.standard.version == "1.0" and not StandardMove.objects.exists()


def test_the_home_page_offers_the_move_only_when_a_newer_approved_version_exists(
    client, manager, apprentice, on_v10, st0825
):
    home = reverse("progress:apprenticeship-home", kwargs={"pk": on_v10.pk})
    client.force_login(manager)
    assert "Move to v" not in client.get(home).content.decode()
    v11 = import_v11()
    v11.status = v11.Status.DRAFT
    v11.save()
    assert "Move to v" not in client.get(home).content.decode()
    v11.status = v11.Status.APPROVED
    v11.save()
    assert f'href="{one_url(on_v10)}">Move to v1.1</a>' in client.get(home).content.decode()
    client.force_login(apprentice)
    assert "Move to v" not in client.get(home).content.decode()
    finished = ApprenticeshipFactory(
        standard=st0825, organisation=on_v10.organisation, status=Apprenticeship.Status.COMPLETED
    )
    client.force_login(manager)
    finished_home = reverse("progress:apprenticeship-home", kwargs={"pk": finished.pk})
    assert "Move to v" not in client.get(finished_home).content.decode()


def test_the_organisation_page_links_the_moves_for_its_managers_only(client, manager, mentor, acme):
    page = reverse("accounts:organisation-detail", kwargs={"pk": acme.pk})
    client.force_login(manager)
    assert f'href="{org_url(acme)}"' in client.get(page).content.decode()
    client.force_login(mentor)
    assert org_url(acme) not in client.get(page).content.decode()
