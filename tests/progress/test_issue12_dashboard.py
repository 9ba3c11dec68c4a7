"""Issue 12: each count at the top of the dashboard links to exactly the rows it counts, every
needs-attention row says why, and a pending apprenticeship shows the person invited."""

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from progress.tally import tally_refresh
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    InvitationFactory,
    ProgressReviewFactory,
    UserFactory,
    make_scan,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("progress:dashboard")
CARD = re.compile(r'<li><a href="([^"]+)"[^>]*><span class="count">(\d+)</span> ([^<]+)</a></li>')


def _calm(acme, standard, name):
    """On track (9 of the 10 hours expected by today), its first review not due yet, nothing
    waiting: needs no attention."""
    apprenticeship = ApprenticeshipFactory(
        apprentice=UserFactory(full_name=name),
        organisation=acme,
        standard=standard,
        start_date=date.today() - timedelta(days=10),
        planned_end_date=date.today() + timedelta(days=355),
        otj_target_hours=365,
    )
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted", off_the_job_hours=Decimal(9))
    return apprenticeship


@pytest.fixture
def four_reasons(acme, standard):
    """Four apprenticeships, each needing attention for one reason only, and a calm one: the
    old links ("?attention=1&sort=review" for the overdue reviews, "?attention=1&sort=hours"
    for those behind) listed all four for a count of one."""
    overdue = _calm(acme, standard, "Olive Overdue")
    ProgressReviewFactory(
        apprenticeship=overdue,
        held_on=date.today() - timedelta(days=9),
        next_due_on=date.today() - timedelta(days=1),
    )
    behind = _calm(acme, standard, "Bert Behind")
    behind.evidence.update(off_the_job_hours=Decimal("8.99"))
    tally_refresh([behind.pk])  # queryset.update() sends no signal
    waiting = _calm(acme, standard, "Wendy Waiting")
    for days in (5, 2):
        EvidenceFactory(
            apprenticeship=waiting,
            status="submitted",
            submitted_at=timezone.now() - timedelta(days=days),
        )
    scan = _calm(acme, standard, "Sam Scan")
    make_scan(scan, status="submitted")
    calm = _calm(acme, standard, "Carl Calm")
    return {"overdue": overdue, "behind": behind, "evidence": waiting, "scan": scan, "calm": calm}


def _cards(html):
    return [(unescape(href), int(number), words) for href, number, words in CARD.findall(html)]


def test_each_count_links_to_exactly_the_rows_it_counts(client, manager, four_reasons):
    client.force_login(manager)
    cards = _cards(client.get(DASHBOARD).content.decode())
    assert len(cards) == 7
    named = {p: four_reasons[p].pk for p in ("overdue", "behind", "evidence", "scan")}
    expected = {
        "apprenticeships": {a.pk for a in four_reasons.values()},
        "need attention": set(named.values()),
        "review overdue": {named["overdue"]},
        "behind on hours": {named["behind"]},
        "with evidence to review": {named["evidence"]},
        "with a scan to validate": {named["scan"]},
        "ready for gateway": set(),
    }
    for href, number, words in cards:
        page = client.get(href).context
        rows = {row.pk for row in page["rows"]}
        assert number == page["page_obj"].paginator.count == len(rows), (words, href)
        assert rows == expected[words.strip()], (words, href)


def test_the_counts_agree_with_their_lists_across_pages(client, manager, acme, standard):
    """More rows than a page: the count is the filter's whole list, not one page of it."""
    for n in range(30):
        _calm(acme, standard, f"Calm {n}")
    for n in range(27):
        make_scan(_calm(acme, standard, f"Scan {n}"), status="submitted")
    client.force_login(manager)
    cards = {
        words.strip(): (href, number)
        for href, number, words in _cards(client.get(DASHBOARD).content.decode())
    }
    href, number = cards["with a scan to validate"]
    assert number == 27
    first = client.get(href).context
    assert first["page_obj"].paginator.count == 27 and len(first["rows"]) == 25
    assert len(client.get(href + "&page=2").context["rows"]) == 2


def test_every_needs_attention_row_says_why(client, manager, four_reasons):
    client.force_login(manager)
    rows = {row.pk: row for row in client.get(DASHBOARD, {"attention": "1"}).context["rows"]}
    assert {pk: row.attention for pk, row in rows.items()} == {
        four_reasons["overdue"].pk: ["review overdue"],
        four_reasons["behind"].pk: ["behind on hours"],
        four_reasons["evidence"].pk: ["evidence waiting 5 days (2 pieces)"],
        four_reasons["scan"].pk: ["scan waiting for validation"],
    }
    html = client.get(DASHBOARD, {"attention": "1"}).content.decode()
    assert "Needs attention: evidence waiting 5 days (2 pieces)" in html
    assert "Needs attention: scan waiting for validation" in html


@pytest.mark.parametrize(
    "params",
    [
        {"overdue": "2"},
        {"behind": "yes"},
        {"evidence": ""},
        {"scan": "true"},
        {"ready": "1 "},
        {"unknown": "1"},
    ],
)
def test_a_bad_filter_value_is_ignored(client, manager, four_reasons, params):
    client.force_login(manager)
    page = client.get(DASHBOARD, params).context
    assert page["page_obj"].paginator.count == 5
    assert not page["filters"].only


def test_a_nul_in_a_filter_is_refused(client, manager, four_reasons):
    client.force_login(manager)
    assert client.get(DASHBOARD, {"overdue": "1\x00"}).status_code == 400


def test_filters_combine_and_the_form_keeps_them(client, manager, four_reasons):
    client.force_login(manager)
    page = client.get(DASHBOARD, {"attention": "1", "behind": "1"})
    assert [row.pk for row in page.context["rows"]] == [four_reasons["behind"].pk]
    html = page.content.decode()
    assert 'id="filter-behind" checked' in html and 'id="filter-attention" checked' in html
    assert 'id="filter-scan" checked' not in html
    assert (
        '<label class="form-check-label" for="filter-overdue">Review overdue only</label>' in html
    )


def test_the_csv_says_why_too(client, manager, four_reasons):
    client.force_login(manager)
    response = client.get(reverse("progress:dashboard-csv"), {"evidence": "1"})
    text = b"".join(response.streaming_content).decode()
    assert text.count("\n") == 2  # the header and Wendy
    assert "evidence waiting 5 days (2 pieces)" in text


# --- the pending apprenticeship -------------------------------------------------------------


def test_a_pending_apprenticeship_shows_the_person_invited(client, manager, acme, standard):
    InvitationFactory(
        organisation=acme,
        apprenticeship__standard=standard,
        full_name="Priya <b>Patel</b>",
        email="priya@example.com",
    )
    client.force_login(manager)
    response = client.get(DASHBOARD)
    (row,) = response.context["rows"]
    assert (row.apprentice, row.apprentice_email, row.invited) == (
        "Priya <b>Patel</b>",
        "priya@example.com",
        True,
    )
    html = response.content.decode()
    assert "Priya &lt;b&gt;Patel&lt;/b&gt;</a>" in html
    assert "Invited: priya@example.com" in html
    assert ">Invited apprentice<" not in html
    csv_text = b"".join(client.get(reverse("progress:dashboard-csv")).streaming_content).decode()
    assert "Priya <b>Patel</b>,priya@example.com" in csv_text


def test_the_latest_invitation_names_the_person(client, manager, acme, standard):
    first = InvitationFactory(
        organisation=acme, apprenticeship__standard=standard, full_name="Old Name"
    )
    first.revoked_at = timezone.now()
    first.save()
    InvitationFactory(
        organisation=acme,
        apprenticeship=first.apprenticeship,
        full_name="New Name",
        sent_at=timezone.now() + timedelta(seconds=1),
    )
    client.force_login(manager)
    assert [row.apprentice for row in client.get(DASHBOARD).context["rows"]] == ["New Name"]


@pytest.mark.parametrize("pending", [1, 12])
def test_invited_names_cost_no_query_per_row(
    client, manager, acme, standard, pending, django_assert_num_queries
):
    for _ in range(pending):
        InvitationFactory(organisation=acme, apprenticeship__standard=standard)
    client.force_login(manager)
    caches["local"].clear()
    # As the pinned budget of tests/progress/test_dashboard.py: session, user, memberships,
    # stamps, counts, the page's ids, its rows (with the names), the organisations (no mentor
    # here, so no query for the mentors), the bell's unread count.
    with django_assert_num_queries(9):
        rows = client.get(DASHBOARD).context["rows"]
    assert all(row.invited and row.apprentice for row in rows)


@pytest.mark.parametrize("name", ["accounts:apprenticeship-edit", "accounts:apprenticeship-status"])
def test_the_pending_apprenticeships_pages_name_the_person_invited(
    client, manager, acme, standard, name
):
    invitation = InvitationFactory(
        organisation=acme, apprenticeship__standard=standard, full_name="Priya Patel"
    )
    client.force_login(manager)
    url = reverse(name, kwargs={"pk": invitation.apprenticeship.pk})
    html = client.get(url).content.decode()
    assert 'breadcrumb-item"><a href="/apprenticeships/' in html
    assert ">Priya Patel</a></li>" in html and "Invited apprentice" not in html


# --- each reason's SQL twin agrees with the rule, on the boundaries -----------------------------


def _boundary(case, apprenticeship):
    """Make ``apprenticeship`` (calm: 9 of 10 hours expected today) sit on one boundary."""
    if case == "hours exactly on the line":
        apprenticeship.evidence.update(off_the_job_hours=Decimal("9.00"))
    elif case == "hours a hundredth under":
        apprenticeship.evidence.update(off_the_job_hours=Decimal("8.99"))
    elif case in ("review due today", "review due yesterday"):
        ProgressReviewFactory(
            apprenticeship=apprenticeship,
            held_on=date.today() - timedelta(days=5),
            next_due_on=date.today() - timedelta(days=case.endswith("yesterday")),
        )
    elif case == "evidence a draft":
        EvidenceFactory(apprenticeship=apprenticeship, status="draft")
    elif case == "evidence submitted":
        EvidenceFactory(apprenticeship=apprenticeship, status="submitted")
    elif case in ("scan draft", "scan validated", "scan submitted"):
        make_scan(apprenticeship, status=case.split()[1], scores={} if "draft" in case else None)
    tally_refresh([apprenticeship.pk])  # queryset.update() sends no signal


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("hours exactly on the line", None),
        ("hours a hundredth under", "behind"),
        ("review due today", None),
        ("review due yesterday", "overdue"),
        ("evidence a draft", None),
        ("evidence submitted", "evidence"),
        ("scan draft", None),
        ("scan validated", None),
        ("scan submitted", "scan"),
    ],
)
def test_each_reason_and_its_sql_agree_on_the_boundary(acme, standard, case, reason):
    from progress import dashboard
    from progress.models import Tally
    from progress.rules import attention_conditions
    from tests.dashboard_rows import dashboard_row

    apprenticeship = _calm(acme, standard, "Edge Case")
    _boundary(case, apprenticeship)
    row = dashboard_row(apprenticeship)
    python = {
        "overdue": row.review_overdue,
        "behind": row.behind,
        "evidence": row.evidence_waiting > 0,
        "scan": row.scan_waiting,
    }
    today = date.today()
    sql = {
        name: Tally.objects.filter(condition, pk=apprenticeship.pk).exists()
        for name, condition in attention_conditions(today).items()
    }
    assert python == sql == {name: name == reason for name in python}
    assert bool(row.attention) is (reason is not None)
    only = dashboard.conditions(today)["attention"]
    assert Tally.objects.filter(only, pk=apprenticeship.pk).exists() is (reason is not None)
