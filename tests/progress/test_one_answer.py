"""The disagreements found with the demo data, pinned: every page gives the same answer."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Membership
from tests.factories import ApprenticeshipFactory, EvidenceFactory, make_scan
from tests.walk import URLS, On

pytestmark = pytest.mark.django_db


def _boundary(acme, standard, mentor, apprentice, accepted):
    """61 days into a 365-day programme with a 300-hour target: 50.137 hours expected, shown as
    50.1, so 90% of it is 45.09 hours."""
    start = date.today() - timedelta(days=61)
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice,
        organisation=acme,
        standard=standard,
        mentor=mentor,
        start_date=start,
        planned_end_date=start + timedelta(days=365),
        otj_target_hours=300,
    )
    for hours in accepted:
        EvidenceFactory(
            apprenticeship=apprenticeship,
            status="accepted",
            off_the_job_hours=Decimal(hours),
            occurred_on=start,
        )
    return apprenticeship


def _verdicts(client, apprenticeship):
    """What the home page, the hours page, the dashboard and its CSV say."""
    home = client.get(apprenticeship.get_absolute_url()).context["hours"]
    hours = client.get(reverse("tracker:hours", kwargs={"pk": apprenticeship.pk})).context["hours"]
    (row,) = client.get(reverse("progress:dashboard")).context["rows"]
    response = client.get(reverse("progress:dashboard-csv"))
    header, line = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return {
        "home": home.on_track,
        "hours page": hours.on_track,
        "dashboard": not row.behind,
        "csv": dict(zip(header, line, strict=True))["hours on track"] == "yes",
        "expected shown": (str(home.expected), str(row.expected_hours)),
    }


@pytest.mark.parametrize(
    ("accepted", "on_track"),
    [(["24", "21.10"], True), (["24", "21.09"], True), (["24", "21.08"], False)],
)
def test_the_hours_verdict_is_the_same_on_every_page_and_in_the_csv(
    client, acme, standard, mentor, manager, apprentice, accepted, on_track
):
    apprenticeship = _boundary(acme, standard, mentor, apprentice, accepted)
    client.force_login(manager)
    assert _verdicts(client, apprenticeship) == {
        "home": on_track,
        "hours page": on_track,
        "dashboard": on_track,
        "csv": on_track,
        "expected shown": ("50.1", "50.1"),
    }
    html = client.get(apprenticeship.get_absolute_url()).content.decode()
    assert ("On track" if on_track else "Behind") in html


def test_starting_a_review_scan_does_not_untick_latest_scan_validated(
    client, apprentice, apprenticeship
):
    make_scan(apprenticeship, status="validated")
    client.force_login(apprentice)
    before = client.get(apprenticeship.get_absolute_url()).context["gateway"].checks[3]
    client.post(
        reverse("skillscan:scan-start", kwargs={"pk": apprenticeship.pk}), {"stage": "review"}
    )
    after = client.get(apprenticeship.get_absolute_url()).context["gateway"].checks[3]
    assert before.done and after.done
    assert after.detail == "The initial scan is validated"


EMPLOYER_POSTS = sorted(
    name
    for name, (_, need) in URLS.items()
    if isinstance(need, On)
    and need.post is not None
    and need.action
    in {
        "validate_scan",
        "decide_evidence",
        "sign_off_duty",
        "record_review",
        "edit_apprenticeship",
        "mark_gateway",
        "change_status",
    }
)


def test_the_walk_covers_every_employer_action():
    assert len(EMPLOYER_POSTS) >= 9


@pytest.mark.parametrize("name", EMPLOYER_POSTS)
def test_an_apprentice_who_manages_their_organisation_cannot_supervise_themselves(
    client, world, name
):
    """The apprentice of the walk's world is also a manager of Acme Digital."""
    apprentice = world["users"]["apprentice"]
    assert Membership.objects.get(user=apprentice, organisation=world["acme"]).role == "manager"
    kwargs, need = URLS[name]
    data = need.post(world) if callable(need.post) else need.post
    client.force_login(apprentice)
    assert client.post(reverse(name, kwargs=kwargs(world)), data).status_code == 403


def test_an_apprentice_cannot_make_themselves_their_own_mentor_or_drop_their_target(client, world):
    apprenticeship, apprentice = world["apprenticeship"], world["users"]["apprentice"]
    client.force_login(apprentice)
    url = reverse("accounts:apprenticeship-edit", kwargs={"pk": apprenticeship.pk})
    response = client.post(
        url,
        {
            "mentor": apprentice.pk,
            "start_date": apprenticeship.start_date.isoformat(),
            "planned_end_date": apprenticeship.planned_end_date.isoformat(),
            "weekly_hours": "30",
            "otj_target_hours": "0",
        },
    )
    assert response.status_code == 403
    apprenticeship.refresh_from_db()
    assert apprenticeship.mentor == world["users"]["mentor"]
    assert apprenticeship.otj_target_hours > 0


APPRENTICESHIP_URLS = sorted(
    name
    for name, (_, need) in URLS.items()
    if isinstance(need, On) and need.scope != "organisation"
)


@pytest.mark.parametrize("name", APPRENTICESHIP_URLS)
def test_a_mentor_whose_membership_ended_can_do_nothing(client, world, name):
    mentor = world["users"]["mentor"]
    Membership.objects.filter(user=mentor).delete()
    kwargs, need = URLS[name]
    url = reverse(name, kwargs=kwargs(world))
    client.force_login(mentor)
    assert client.get(url).status_code == (405 if need.post_only else 404)
    if need.post is not None:
        data = need.post(world) if callable(need.post) else need.post
        assert client.post(url, data).status_code == 404


def test_a_mentor_whose_membership_ended_cannot_decide_through_the_service(world):
    from accounts.permissions import NotAllowed
    from tracker.services import evidence_decide

    mentor = world["users"]["mentor"]
    Membership.objects.filter(user=mentor).delete()
    with pytest.raises(NotAllowed):
        evidence_decide(
            evidence=world["submitted_evidence"],
            user=mentor,
            decision="accepted",
            comment="",
        )
    world["submitted_evidence"].refresh_from_db()
    assert world["submitted_evidence"].status == "submitted"
