"""What a page may cost: the HTML the apprentice home and the dashboard send stays under
100 KB on a real standard with a full record, and a standard's structure is read once per
process, not once per request."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from progress.tally import tally_refresh
from standards.selectors import standard_structure
from tests.factories import ApprenticeshipFactory, EvidenceFactory, UserFactory, make_scan
from tracker.models import DutySignOff

pytestmark = pytest.mark.django_db

PAGE_WEIGHT = 100_000


@pytest.fixture
def full_record(st0825, acme, apprentice, mentor):
    """The apprentice on ST0825 near the end: every KSB evidenced, scans, sign-offs."""
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice,
        standard=st0825,
        organisation=acme,
        mentor=mentor,
        start_date=date.today() - timedelta(days=600),
        planned_end_date=date.today() + timedelta(days=130),
    )
    ksbs = list(st0825.ksbs.all())
    for n in range(0, len(ksbs), 3):
        EvidenceFactory(
            apprenticeship=apprenticeship,
            status="accepted",
            ksbs=ksbs[n : n + 3],
            off_the_job_hours=Decimal(7),
            url="https://github.com/acme/platform/pull/12",
        )
    make_scan(apprenticeship, status="validated")
    make_scan(apprenticeship, stage="review", status="submitted")
    for duty in st0825.duties.all()[:6]:
        DutySignOff.objects.create(apprenticeship=apprenticeship, duty=duty, action="signed_off")
    return apprenticeship


def test_the_home_page_weighs_under_100_kb(client, full_record, apprentice):
    client.force_login(apprentice)
    response = client.get(full_record.get_absolute_url())
    assert response.status_code == 200
    assert 20_000 < len(response.content) < PAGE_WEIGHT


def test_the_dashboard_weighs_under_100_kb_at_a_thousand_apprenticeships(
    client, full_record, acme, manager
):
    people = UserFactory.create_batch(1000)
    rows = ApprenticeshipFactory.build_batch(
        1000, organisation=acme, standard=full_record.standard, mentor=full_record.mentor
    )
    for row, person in zip(rows, people, strict=True):
        row.apprentice = person
        row.otj_target_hours = 400
    type(full_record).objects.bulk_create(rows)
    tally_refresh(type(full_record).objects.values_list("pk", flat=True))
    client.force_login(manager)
    response = client.get(reverse("progress:dashboard"))
    assert response.context["counts"]["apprentices"] == 1001
    assert len(response.content) < PAGE_WEIGHT


def test_a_standards_structure_is_read_once_per_process(
    client, full_record, apprentice, django_assert_num_queries
):
    """The first page on a standard reads its KSBs, duties and links (three queries); every
    page after that uses what was read, until the standard is edited."""
    client.force_login(apprentice)
    client.get(full_record.get_absolute_url())
    with django_assert_num_queries(11):  # 10 before the bell's unread count (issue 15)
        client.get(full_record.get_absolute_url())
    ksb = full_record.standard.ksbs.first()
    ksb.description = "A new wording"
    ksb.save()
    with django_assert_num_queries(14):  # the edit moved the stamp: read afresh
        client.get(full_record.get_absolute_url())
    fresh = type(full_record.standard).objects.get(pk=full_record.standard.pk)
    assert standard_structure(fresh).ksbs[0].description == "A new wording"
