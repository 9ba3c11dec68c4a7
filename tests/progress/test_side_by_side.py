"""The figures the pages show, pinned for two apprenticeships on one standard side by side
(tests/conftest.py's side_by_side): a figure computed without its per-apprenticeship filter
shows the other one's data and fails here."""

from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _home(client, user, apprenticeship):
    client.force_login(user)
    return client.get(apprenticeship.get_absolute_url()).context


def test_home_pages_side_by_side(client, side_by_side, apprentice, other_apprentice):
    mine = _home(client, apprentice, side_by_side.mine)
    assert [
        (r.duty.number, r.covered, r.total, r.percent, r.status, r.scan_mean)
        for r in mine["duties"]
    ] == [
        (1, 3, 3, 100, "signed_off", Decimal("3.0")),
        (2, 0, 4, 0, "in_progress", Decimal("3.0")),
        (3, 0, 2, 0, "not_started", Decimal("3.0")),
        (4, 0, 0, 0, "not_started", None),
    ]
    assert (mine["hours"].accepted, mine["hours"].pending) == (Decimal("8.25"), Decimal(2))
    assert mine["hours"].percent_of_target == 8
    assert mine["gateway"].done_count == 0
    cells = {cell.ksb.code: (cell.state, cell.score) for _, row in mine["heatmap"] for cell in row}
    assert cells == {
        "K1": ("accepted", 3),
        "K2": ("accepted", 3),
        "K3": ("submitted", 3),
        "K4": ("none", 3),
        "S1": ("accepted", 3),
        "S2": ("none", 3),
        "S3": ("none", 3),
        "B1": ("none", 3),
        "B2": ("none", 3),
    }
    assert [e.title for e in mine["recent_evidence"]] == [
        e.title for e in side_by_side.mine.evidence.order_by("-occurred_on", "-pk")
    ]
    assert mine["latest_scan"] == side_by_side.mine_review

    theirs = _home(client, other_apprentice, side_by_side.theirs)
    assert [(r.covered, r.status, r.scan_mean) for r in theirs["duties"]] == [
        (1, "in_progress", Decimal("4.0")),
        (4, "evidenced", Decimal("4.0")),
        (0, "signed_off", Decimal("4.0")),
        (0, "not_started", None),
    ]
    assert theirs["hours"].accepted == Decimal("30.5")
    assert theirs["hours"].percent_of_target == 31
    (changed,) = theirs["changes_requested"]
    assert theirs["next_actions"][0][0] == f"Answer the changes requested on “{changed.title}”"


def test_scan_results_side_by_side(client, side_by_side, mentor, manager):
    client.force_login(mentor)
    results = client.get(side_by_side.mine_review.get_absolute_url()).context["results"]
    assert results.previous == side_by_side.mine_initial
    assert [(row.duty.number, row.mean, row.change) for row in results.duties] == [
        (1, Decimal("3.0"), pytest.approx(3 - 4 / 3)),  # K1 agreed at 2 in the initial scan
        (2, Decimal("3.0"), 2.0),
        (3, Decimal("3.0"), 2.0),
        (4, None, None),
    ]
    changes = {row.ksb.code: row.change for row in results.rows}
    assert changes["K1"] == 1 and changes["K2"] == 2
    html = client.get(side_by_side.mine_review.get_absolute_url()).content.decode()
    assert "+1.7" in html and "+2.0" in html
    client.force_login(manager)
    theirs = client.get(side_by_side.theirs_initial.get_absolute_url()).context["results"]
    assert theirs.previous is None
    assert [row.change for row in theirs.duties] == [None] * 4
    assert [row.mean for row in theirs.duties][:3] == [Decimal("4.0")] * 3


def test_the_dashboard_side_by_side(client, side_by_side, manager):
    client.force_login(manager)
    rows = {row.pk: row for row in client.get(reverse("progress:dashboard")).context["rows"]}
    mine, theirs = rows[side_by_side.mine.pk], rows[side_by_side.theirs.pk]
    figures = (
        "duties_signed",
        "coverage",
        "accepted_hours",
        "evidence_waiting",
        "scan_waiting",
        "review_overdue",
    )
    assert [getattr(mine, name) for name in figures] == [1, 33, Decimal("8.25"), 1, True, False]
    assert [getattr(theirs, name) for name in figures] == [1, 56, Decimal("30.5"), 0, True, True]
    assert mine.attention[0] == "behind on hours" and mine.attention[1].startswith("evidence ")
    assert mine.attention[2:] == ["scan waiting for validation"]
    assert theirs.attention == ["review overdue", "behind on hours", "scan waiting for validation"]


def test_the_portfolio_side_by_side(client, side_by_side, apprentice):
    client.force_login(apprentice)
    context = client.get(reverse("progress:portfolio", kwargs={"pk": side_by_side.mine.pk})).context
    entries = {entry.ksb.code: entry for entry in context["entries"]}
    assert [e.off_the_job_hours for e in entries["K1"].evidence] == [Decimal("3.25")]
    assert entries["K3"].evidence == []  # submitted, not accepted; theirs is accepted
    assert {entry.score for entry in entries.values()} == {3}
    assert context["evidence_count"] == 2
    assert context["latest_scan"] == side_by_side.mine_review


def test_duty_and_scan_history_pages_side_by_side(client, side_by_side, apprentice):
    client.force_login(apprentice)
    pk = side_by_side.mine.pk
    rows = client.get(reverse("tracker:duty-list", kwargs={"pk": pk})).context["rows"]
    assert [(r.covered, r.status) for r in rows] == [
        (3, "signed_off"),
        (0, "in_progress"),
        (0, "not_started"),
        (0, "not_started"),
    ]
    page = client.get(reverse("tracker:duty-detail", kwargs={"pk": pk, "number": 2})).context
    assert [k.code for k in page["page"].missing] == ["K3", "S2", "S3", "B1"]
    assert page["page"].events == []
    history = client.get(reverse("skillscan:scan-history", kwargs={"pk": pk})).context
    assert history["scans"] == [side_by_side.mine_initial, side_by_side.mine_review]
    assert history["table"][0][1] == [Decimal("1.3"), Decimal("3.0")]
