"""The employer's dashboard, the gateway checklist and the portfolio, on hand-built cases."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from accounts.models import Apprenticeship, Membership, StatusChange, User
from progress import dashboard
from progress.tally import tally_refresh
from tests.dashboard_rows import dashboard_row
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    ProgressReviewFactory,
    make_scan,
)
from tracker.models import DutySignOff

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("progress:dashboard")


def _progress(apprenticeship, today=None):
    return dashboard_row(apprenticeship, today)


@pytest.fixture
def year_long(apprentice, standard, acme, mentor):
    """Started 100 days ago, a year long, with a target of 365 hours: 100 hours expected."""
    return ApprenticeshipFactory(
        apprentice=apprentice,
        standard=standard,
        organisation=acme,
        mentor=mentor,
        start_date=date.today() - timedelta(days=100),
        planned_end_date=date.today() + timedelta(days=265),
        otj_target_hours=365,
    )


def accept(apprenticeship, ksbs=(), hours=Decimal(0), status="accepted"):
    return EvidenceFactory(
        apprenticeship=apprenticeship,
        status=status,
        ksbs=list(ksbs),
        off_the_job_hours=hours,
        occurred_on=date.today() - timedelta(days=1),
    )


def sign_off(apprenticeship, *numbers):
    for duty in apprenticeship.standard.duties.filter(number__in=numbers or range(1, 100)):
        DutySignOff.objects.create(apprenticeship=apprenticeship, duty=duty, action="signed_off")


def test_row_numbers_on_a_hand_built_case(year_long):
    ksbs = list(year_long.standard.ksbs.all())  # 9 KSBs
    for _ in range(4):
        accept(year_long, ksbs[:3], Decimal("22.5"))  # 90 hours accepted, KSBs 1-3
    accept(year_long, ksbs[3:4], Decimal(10), status="submitted")
    sign_off(year_long, 1)
    make_scan(year_long, status="submitted")
    row = _progress(year_long)
    assert (row.duties_signed, row.duties_total) == (1, 3)
    assert (row.ksbs_covered, row.ksbs_total) == (3, 9)
    assert row.coverage == 33
    assert row.accepted_hundredths == 9000
    assert row.expected_tenths == 1000
    assert not row.behind  # 90 >= 0.9 x 100
    assert row.evidence_waiting == 1 and row.scan_waiting
    assert row.review_days == 84 - 100 and row.review_overdue  # no review in 12 weeks
    assert row.needs_attention


def test_behind_just_under_ninety_percent(year_long):
    accept(year_long, hours=Decimal("22"))
    for _ in range(3):
        accept(year_long, hours=Decimal("22.3"))  # 88.9 hours < 90
    ProgressReviewFactory(
        apprenticeship=year_long,
        held_on=date.today() - timedelta(days=10),
        next_due_on=date.today() + timedelta(days=30),
    )
    row = _progress(year_long)
    assert row.behind and not row.review_overdue and row.review_days == 30
    assert row.needs_attention


def test_nothing_to_flag_means_no_attention_needed(year_long):
    for _ in range(5):
        accept(year_long, hours=Decimal(20))
    ProgressReviewFactory(
        apprenticeship=year_long,
        held_on=date.today() - timedelta(days=10),
        next_due_on=date.today() + timedelta(days=30),
    )
    row = _progress(year_long)
    assert not (row.behind or row.review_overdue or row.evidence_waiting or row.scan_waiting)
    assert not row.needs_attention


def test_the_page_shows_rows_counts_and_the_needs_attention_filter(
    client, manager, year_long, acme, standard
):
    calm = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        start_date=date.today(),
        planned_end_date=date.today() + timedelta(days=360),
    )
    ProgressReviewFactory(apprenticeship=calm, next_due_on=date.today() + timedelta(days=50))
    client.force_login(manager)
    response = client.get(DASHBOARD)
    assert {row.pk for row in response.context["rows"]} == {year_long.pk, calm.pk}
    counts = response.context["counts"]
    assert (counts["apprentices"], counts["overdue"], counts["behind"]) == (2, 1, 1)
    html = response.content.decode()
    assert "Alex Apprentice" in html and "Needs attention" in html and "Overdue" in html
    flagged = client.get(DASHBOARD, {"attention": "1"}).context["rows"]
    assert [row.pk for row in flagged] == [year_long.pk]


def test_filters_by_status_and_mentor_and_ignores_tampering(
    client, manager, mentor, year_long, acme, standard
):
    other = ApprenticeshipFactory(
        organisation=acme, standard=standard, mentor=manager, status="paused"
    )
    client.force_login(manager)
    assert [r.pk for r in client.get(DASHBOARD, {"status": "paused"}).context["rows"]] == [other.pk]
    assert [r.pk for r in client.get(DASHBOARD, {"mentor": mentor.pk}).context["rows"]] == [
        year_long.pk
    ]
    for params in ({"status": "nope"}, {"mentor": "999"}, {"sort": "drop table"}, {"page": "x"}):
        assert len(client.get(DASHBOARD, params).context["rows"]) == 2


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("coverage", "calm"),
        ("-coverage", "busy"),
        ("apprentice", "busy"),
        ("-apprentice", "calm"),
        ("review", "busy"),
        ("month", "calm"),
        ("-month", "busy"),
        ("evidence", "calm"),
        ("-evidence", "busy"),
    ],
)
def test_every_column_sorts_in_the_database(client, manager, acme, standard, sort, first):
    busy = ApprenticeshipFactory(
        apprentice=User.objects.create_user("a@example.com", "x", full_name="Aaron Busy"),
        organisation=acme,
        standard=standard,
        start_date=date.today() - timedelta(days=300),
        planned_end_date=date.today() + timedelta(days=100),
    )
    calm = ApprenticeshipFactory(
        apprentice=User.objects.create_user("z@example.com", "x", full_name="Zoe Calm"),
        organisation=acme,
        standard=standard,
        start_date=date.today() - timedelta(days=10),
        planned_end_date=date.today() + timedelta(days=700),
    )
    accept(busy, busy.standard.ksbs.all()[:5], Decimal(5))
    accept(busy, hours=Decimal(1), status="submitted")
    names = {"busy": busy.pk, "calm": calm.pk}
    client.force_login(manager)
    rows = client.get(DASHBOARD, {"sort": sort}).context["rows"]
    assert rows[0].pk == names[first]


def test_csv_streams_every_row_of_the_filter_and_only_visible_ones(
    client, manager, acme, standard, globex_apprenticeship
):
    for _ in range(30):
        ApprenticeshipFactory(organisation=acme, standard=standard)
    client.force_login(manager)
    response = client.get(reverse("progress:dashboard-csv"))
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["apprentice", "email", "standard"]
    assert len(rows) == 31  # all 30, not a page of 25; Globex's apprentice is not there
    assert all("globex" not in ",".join(row) for row in rows)
    filtered = client.get(reverse("progress:dashboard-csv"), {"status": "paused"})
    assert len(list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode())))) == 1


def test_an_apprentice_sees_only_their_own_rows(
    client, apprentice, year_long, other_apprenticeship
):
    client.force_login(apprentice)
    assert [row.pk for row in client.get(DASHBOARD).context["rows"]] == [year_long.pk]


def _bulk_apprenticeships(acme, standard, mentor, count):
    users = User.objects.bulk_create(
        User(email=f"bulk{n}@example.com", full_name=f"Bulk {n}") for n in range(count)
    )
    apprenticeships = Apprenticeship.objects.bulk_create(
        Apprenticeship(
            apprentice=u,
            standard=standard,
            organisation=acme,
            mentor=mentor,
            start_date=date.today() - timedelta(days=n % 300),
            planned_end_date=date.today() + timedelta(days=400),
            otj_target_hours=400,
            status="active",
        )
        for n, u in enumerate(users)
    )
    from tracker.models import Evidence

    Evidence.objects.bulk_create(
        Evidence(
            apprenticeship=a,
            title="E",
            occurred_on=date.today(),
            status=s,
            off_the_job_hours=Decimal(3),
            submitted_at=timezone.now(),
        )
        for a in apprenticeships
        for s in ("accepted", "submitted")
    )
    tally_refresh(a.pk for a in apprenticeships)  # bulk inserts send no signals


@pytest.mark.parametrize("count", [10, 1000])
def test_dashboard_queries_do_not_grow_with_apprenticeships(
    client, manager, acme, standard, mentor, django_assert_num_queries, count
):
    _bulk_apprenticeships(acme, standard, mentor, count)
    client.force_login(manager)
    # The counts at the top also count the rows the filters keep and find the mentors: no
    # COUNT of its own. Session, user, memberships, the stamps, counts, mentors, the page's ids,
    # its rows, the organisations, the bell's unread count; asked again with nothing changed,
    # the counts are kept.
    for params, queries in (
        ({}, 10),
        ({"page": "2", "sort": "review"}, 10),
        ({"sort": "-coverage", "attention": "1"}, 10),
        ({"status": "active", "ready": "1"}, 8),  # no row is ready: no page to read
        ({"status": "active", "mentor": str(mentor.pk)}, 10),
    ):
        caches["local"].clear()
        with django_assert_num_queries(queries):
            client.get(DASHBOARD, params)
        with django_assert_num_queries(queries - 1):
            page = client.get(DASHBOARD, params).context["page_obj"]
        visible = dashboard.visible_tallies(manager)
        expected = dashboard.filtered(
            visible,
            dashboard.read_filters(params, dashboard.mentors_of(visible)),
            date.today(),
        ).count()
        assert page.paginator.count == expected
        if "attention" not in params and "ready" not in params:  # every one is active
            assert expected == count


# --- gateway --------------------------------------------------------------------------------------


def _ready(apprenticeship, mentor):
    """Everything a gateway needs: every KSB accepted, duties signed off, hours met, the latest
    scan validated, the last review signed by both and not overdue."""
    accept(apprenticeship, apprenticeship.standard.ksbs.all(), Decimal(24))
    apprenticeship.otj_target_hours = 24
    apprenticeship.save()
    sign_off(apprenticeship)
    make_scan(apprenticeship, status="validated")
    now = timezone.now()
    ProgressReviewFactory(
        apprenticeship=apprenticeship,
        employer_signed_at=now,
        apprentice_signed_at=now,
        employer_signed_by=mentor,
        next_due_on=date.today() + timedelta(days=20),
    )


def test_the_checklist_says_what_is_missing(client, apprentice, apprenticeship):
    client.force_login(apprentice)
    gateway = client.get(apprenticeship.get_absolute_url()).context["gateway"]
    assert [c.done for c in gateway.checks] == [False] * 5
    assert not gateway.ready
    assert gateway.checks[0].detail.startswith("0 of 9 KSBs; missing K1, K2")
    assert gateway.checks[3].detail == "No scan submitted yet"


def test_the_checklist_holds_and_the_mentor_marks_gateway(
    client, apprenticeship, mentor, apprentice
):
    _ready(apprenticeship, mentor)
    client.force_login(apprentice)
    assert client.get(apprenticeship.get_absolute_url()).context["gateway"].ready
    mark = reverse("progress:gateway-mark", kwargs={"pk": apprenticeship.pk})
    assert client.post(mark).status_code == 403
    client.force_login(mentor)
    url = reverse("progress:gateway", kwargs={"pk": apprenticeship.pk})
    assert "Every line holds" in client.get(url).content.decode()
    client.post(mark, {"note": "Ready for EPA"})
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == "gateway"
    change = StatusChange.objects.get()
    assert (change.old_status, change.new_status, change.by, change.note) == (
        "active",
        "gateway",
        mentor,
        "Ready for EPA",
    )


def test_gateway_is_refused_until_every_line_holds(client, apprenticeship, mentor):
    client.force_login(mentor)
    response = client.post(
        reverse("progress:gateway-mark", kwargs={"pk": apprenticeship.pk}), follow=True
    )
    html = response.content.decode()
    assert "The declaration cannot be signed yet" in html
    assert "“Every duty is signed off” does not hold" in html
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == "active"
    assert not StatusChange.objects.exists()


def test_an_overdue_review_blocks_gateway(client, apprenticeship, mentor):
    _ready(apprenticeship, mentor)
    ProgressReviewFactory(
        apprenticeship=apprenticeship,
        held_on=date.today() - timedelta(days=1),
        next_due_on=date.today() + timedelta(days=1),
    )  # newest, unsigned
    client.force_login(mentor)
    gateway = client.get(apprenticeship.get_absolute_url()).context["gateway"]
    assert not gateway.checks[4].done and gateway.checks[4].detail == "Not signed by both yet"


# --- portfolio ------------------------------------------------------------------------------------


def test_portfolio_lists_each_ksb_with_accepted_evidence_and_score(
    client, apprentice, apprenticeship
):
    ksbs = list(apprenticeship.standard.ksbs.all())
    accept(apprenticeship, ksbs[:2], Decimal(2)).__class__.objects.filter(
        apprenticeship=apprenticeship
    ).update(title="Built the pipeline", url="https://github.com/a/b/pull/1")
    EvidenceFactory(
        apprenticeship=apprenticeship, status="submitted", title="Not yet accepted", ksbs=ksbs[:1]
    )
    make_scan(apprenticeship, status="validated", scores={k.code: 3 for k in ksbs})
    client.force_login(apprentice)
    response = client.get(reverse("progress:portfolio", kwargs={"pk": apprenticeship.pk}))
    html = response.content.decode()
    assert "Built the pipeline" in html and "Not yet accepted" not in html
    # Since issue 17: the evidence once, then the KSB matrix (with the scores), then the duties.
    assert html.count('class="portfolio-item"') == 1 and html.count("Built the pipeline") == 1
    assert {entry.score for entry in response.context["entries"]} == {3}
    assert '<th scope="col">Score</th>' in html
    assert len(response.context["duties"]) == 3
    assert '<nav class="site-nav' not in html and "Skip to main content" not in html
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("progress:portfolio-csv", kwargs={"pk": apprenticeship.pk})
                ).content.decode()
            )
        )
    )
    assert rows[0] == [
        "code",
        "ksb",
        "duties",
        "latest agreed score",
        "evidence",
        "evidence dates",
        "links",
    ]
    assert len(rows) == 10
    assert rows[1][0] == "K1" and rows[1][4] == "Built the pipeline"
    assert rows[1][6] == "https://github.com/a/b/pull/1"
    assert rows[5][4] == ""


def test_portfolio_is_404_for_others(client, other_apprentice, other_manager, apprenticeship):
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        for name in ("progress:portfolio", "progress:portfolio-csv"):
            assert client.get(reverse(name, kwargs={"pk": apprenticeship.pk})).status_code == 404


@pytest.mark.parametrize("count", [5, 200])
def test_portfolio_queries_do_not_grow(
    client, apprentice, apprenticeship, count, django_assert_num_queries
):
    ksbs = list(apprenticeship.standard.ksbs.all())
    for n in range(count):
        accept(apprenticeship, ksbs[n % 9 : n % 9 + 2], Decimal(1))
    client.force_login(apprentice)
    # +1 since issue 13: the KSBs' wording history; +2 since issue 17: the per-KSB decisions
    # (reasons for KSBs not accepted) and the duties' sign-offs with who made them.
    with django_assert_num_queries(12):
        client.get(reverse("progress:portfolio", kwargs={"pk": apprenticeship.pk}))


# --- the apprentice's home --------------------------------------------------------------------


def test_home_lists_at_most_three_next_actions(client, apprentice, apprenticeship, mentor):
    make_scan(apprenticeship, scores={})  # a draft scan
    for n in range(3):
        EvidenceFactory(
            apprenticeship=apprenticeship,
            status="changes_requested",
            title=f"Fix {n}",
            occurred_on=date.today() - timedelta(days=30),
        )
    client.force_login(apprentice)
    actions = client.get(apprenticeship.get_absolute_url()).context["next_actions"]
    assert len(actions) == 3
    # Month 7: the first scan, no longer "initial" (tests/progress/test_issue12_words.py)
    assert actions[0][0].startswith("Finish your first skills scan (0 of 9 rated)")
    assert actions[1][0].startswith("Answer the changes requested on")


def test_home_asks_to_log_this_weeks_hours_and_sign_the_review(
    client, apprentice, apprenticeship, mentor
):
    ProgressReviewFactory(
        apprenticeship=apprenticeship, employer_signed_at=timezone.now(), employer_signed_by=mentor
    )
    client.force_login(apprentice)
    texts = [t for t, _ in client.get(apprenticeship.get_absolute_url()).context["next_actions"]]
    assert texts[0] == "Take your first skills scan"
    assert texts[1].startswith("Add your comments to the progress review")
    assert texts[2] == "Log this week's off-the-job hours"


def test_heatmap_labels_every_ksb_with_its_state_and_score(client, apprentice, apprenticeship):
    ksbs = list(apprenticeship.standard.ksbs.all())
    accept(apprenticeship, ksbs[:1])
    accept(apprenticeship, ksbs[1:2], status="submitted")
    make_scan(apprenticeship, status="submitted", scores={k.code: 2 for k in ksbs})
    client.force_login(apprentice)
    html = client.get(apprenticeship.get_absolute_url()).content.decode()
    assert 'aria-label="K1: evidence accepted, agreed score 2"' in html
    assert 'aria-label="K2: evidence submitted, agreed score 2"' in html
    assert 'aria-label="K3: no evidence, agreed score 2"' in html


def test_a_manager_of_another_organisation_never_sees_the_row(client, other_manager, year_long):
    client.force_login(other_manager)
    assert year_long.pk not in {r.pk for r in client.get(DASHBOARD).context["rows"]}
    assert Membership.objects.filter(user=other_manager).exists()


# --- sorting reads an index ----------------------------------------------------------------------


@pytest.mark.parametrize("sort", [*dashboard.SORTS, *(f"-{key}" for key in dashboard.SORTS)])
def test_every_sort_is_an_index_walk_on_postgresql(manager, year_long, sort):
    """A page of any sort comes from walking its index (no sort of every visible row): asked
    with sorting switched off, PostgreSQL still finds a plan in that order."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's; SQLite runs the same query")
    rows = dashboard.filtered(
        dashboard.visible_tallies(manager),
        dashboard.read_filters({"sort": sort}, []),
        date.today(),
    ).values_list("pk", flat=True)[:25]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = rows.explain()
    assert "Sort" not in plan and "Index" in plan, plan


def test_the_hours_sort_puts_the_most_slack_first(client, manager, acme, standard, year_long):
    """On track first (never behind, then the latest to fall behind), behind last (the longest
    behind at the very end); the reverse sort starts with the longest behind."""
    ahead = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        start_date=year_long.start_date,
        planned_end_date=year_long.planned_end_date,
        otj_target_hours=365,
    )
    for _ in range(10):
        accept(ahead, hours=Decimal(20))  # 200 h: behind only from day 223 (0.9 x 223 > 200)
    for _ in range(5):
        accept(year_long, hours=Decimal(10))  # 50 h: behind since day 56
    client.force_login(manager)
    order = [row.pk for row in client.get(DASHBOARD, {"sort": "hours"}).context["rows"]]
    assert order == [ahead.pk, year_long.pk]
    order = [row.pk for row in client.get(DASHBOARD, {"sort": "-hours"}).context["rows"]]
    assert order == [year_long.pk, ahead.pk]


# --- kept counts are never stale -----------------------------------------------------------------


def _fresh_counts(user, params=None):
    """The counts worked out from every row now, nothing kept."""
    caches["local"].clear()
    return dashboard.counts(user, dashboard.visible_tallies(user), params or {}, date.today())[0]


def _shown_counts(client, params=None):
    return client.get(DASHBOARD, params or {}).context["counts"]


def test_kept_counts_follow_every_kind_of_change(
    client, manager, mentor, year_long, acme, standard
):
    """The dashboard keeps its counts under the organisations' stamps; every change of a
    tally moves its organisation's stamp in the same transaction, so what a page shows always
    equals counting every row again."""
    from accounts.status import apprenticeship_status_change

    client.force_login(manager)
    paused = {"status": "paused"}
    changes = [  # (a change, the filters under which its counts differ)
        (lambda: accept(year_long, hours=Decimal(5), status="submitted"), {}),
        (
            lambda: (
                tally_refresh([year_long.pk])
                if year_long.evidence.update(status="accepted")
                else None
            ),
            {},
        ),
        (lambda: make_scan(year_long, status="submitted"), {}),
        (lambda: ApprenticeshipFactory(organisation=acme, standard=standard, mentor=mentor), {}),
        (
            lambda: apprenticeship_status_change(
                apprenticeship=year_long, to="paused", by=manager, reason="Leave"
            ),
            paused,
        ),
        (lambda: Apprenticeship.objects.exclude(pk=year_long.pk).get().delete(), {}),
    ]
    for change, params in changes:
        before = _shown_counts(client, params)  # kept from now on
        change()
        shown = _shown_counts(client, params)
        assert shown != before
        assert shown == _fresh_counts(manager, params)
    for params in ({}, paused, {"attention": "1"}, {"mentor": str(mentor.pk)}):
        assert _shown_counts(client, params) == _fresh_counts(manager, params)


def test_a_kept_count_is_per_person_and_per_filter(client, manager, mentor, year_long, acme):
    client.force_login(manager)
    assert _shown_counts(client)["apprentices"] == 1
    assert _shown_counts(client, {"status": "paused"})["shown"] == 0
    client.force_login(mentor)
    assert _shown_counts(client)["apprentices"] == 1
    Membership.objects.filter(user=mentor).delete()  # their rights end at once
    assert _shown_counts(client)["apprentices"] == 0
