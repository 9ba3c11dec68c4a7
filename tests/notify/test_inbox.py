"""The bell and the inbox: one cheap count per page, the person's own items newest first
(those about an apprenticeship they can no longer see gone), read and unread, and nobody
else's item reachable."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify.context_processors import unread_count
from notify.models import Notification
from tests.factories import ApprenticeshipFactory

pytestmark = pytest.mark.django_db

INBOX = "/notifications/"


def make_item(recipient, apprenticeship=None, *, title="Evidence to review", ago=0, **fields):
    return Notification.objects.create(
        recipient=recipient,
        kind=fields.pop("kind", "evidence_submitted"),
        apprenticeship=apprenticeship,
        title=title,
        url=fields.pop("url", apprenticeship.get_absolute_url() if apprenticeship else "/"),
        created_at=timezone.now() - timedelta(minutes=ago),
        **fields,
    )


def bell_text(html):
    return html.split('<a class="site-bell ', 1)[1].split("</a>", 1)[0]


# --- the bell -----------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_as_a_badge_and_in_words(client, apprenticeship, mentor):
    for n in range(3):
        make_item(mentor, apprenticeship, title=f"Item {n}")
    make_item(mentor, apprenticeship, read_at=timezone.now())
    client.force_login(mentor)
    bell = bell_text(client.get("/standards/").content.decode())
    assert 'href="/notifications/"' in bell
    assert "Notifications, 3 unread" in bell
    assert '<span class="site-bell-count" aria-hidden="true">3</span>' in bell
    assert "<svg" in bell and 'aria-hidden="true"' in bell


def test_the_bell_without_unread_items_has_no_badge(client, mentor):
    client.force_login(mentor)
    bell = bell_text(client.get("/standards/").content.decode())
    assert "Notifications, 0 unread" in bell
    assert "site-bell-count" not in bell


@pytest.mark.parametrize(
    ("unread", "words", "badge"),
    [(99, "99", "99"), (100, "more than 99", "99+"), (130, "more than 99", "99+")],
)
def test_the_bell_caps_its_badge_at_99(client, mentor, unread, words, badge):
    Notification.objects.bulk_create(
        Notification(recipient=mentor, kind="evidence_submitted", title="x", url="/")
        for _ in range(unread)
    )
    client.force_login(mentor)
    bell = bell_text(client.get("/standards/").content.decode())
    assert f"Notifications, {words} unread" in bell and f">{badge}</span>" in bell


def test_the_bell_stops_counting_at_the_hundredth_item(client, mentor):
    """The count costs the same for a thousand unread items as for a hundred: it stops."""
    Notification.objects.bulk_create(
        Notification(recipient=mentor, kind="evidence_submitted", title="x", url="/")
        for _ in range(130)
    )
    client.force_login(mentor)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(INBOX + "?show=unread").content.decode()
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "notify_notification" in q["sql"]
    ]
    assert any("LIMIT 100" in sql for sql in counts), counts
    assert "More than 99 unread notifications." in html
    # The unread list still pages through all 130 (its own exact count).
    assert "Page 1 of 6" in html or "page=6" in html


def test_nobody_logged_in_sees_no_bell_and_costs_no_count(client, st0825):
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/standards/").content.decode()
    assert "site-bell" not in html
    assert not [q for q in queries if "notify_notification" in q["sql"]]


def test_a_page_counts_the_bell_in_one_query(client, apprenticeship, mentor, st0825):
    make_item(mentor, apprenticeship)
    client.force_login(mentor)
    # A Jinja2 page, a Django template page (crispy) and an allauth page.
    for url in ["/standards/", "/profile/", "/accounts/email/"]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        counting = [q for q in queries if "notify_notification" in q["sql"]]
        assert len(counting) == 1, url
        assert "COUNT(" in counting[0]["sql"].upper()
        assert "Notifications, 1 unread" in html, url


def test_the_count_is_read_once_per_request(rf, apprenticeship, mentor, django_assert_num_queries):
    make_item(mentor, apprenticeship)
    request = rf.get("/")
    request.user = mentor
    mentor.organisation_roles  # noqa: B018 (read by every page's navigation anyway)
    with django_assert_num_queries(1):
        assert unread_count(request) == 1
        assert unread_count(request) == 1


def test_the_bell_leaves_out_items_about_apprenticeships_no_longer_visible(
    client, apprenticeship, mentor, manager
):
    make_item(mentor, apprenticeship)
    make_item(mentor, None, title="About nothing in particular")
    apprenticeship.mentor = manager
    apprenticeship.save()
    client.force_login(mentor)
    assert "Notifications, 1 unread" in bell_text(client.get("/standards/").content.decode())


def test_the_bell_of_a_manager_of_many_never_reads_their_whole_caseload(manager, acme):
    """The count asks, for each of the person's few unread items, whether they still see its
    apprenticeship (a primary-key lookup): it read every apprenticeship they see before, on
    every page (10,000 rows and 4 ms for a manager of 10,000 at the load benchmark)."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's; SQLite runs the same query")
    mine = ApprenticeshipFactory.create_batch(3, organisation=acme)
    for apprenticeship in mine:
        make_item(manager, apprenticeship)
    with connection.cursor() as cursor:  # 10,000 more of acme's, pending, copied in SQL
        cursor.execute(
            "INSERT INTO accounts_apprenticeship (standard_id, organisation_id, start_date, "
            "planned_end_date, weekly_hours, otj_target_hours, status, created_at, updated_at) "
            "SELECT standard_id, organisation_id, start_date, planned_end_date, weekly_hours, "
            "otj_target_hours, 'pending', created_at, updated_at FROM accounts_apprenticeship, "
            "generate_series(1, 10000) WHERE id = %s",
            [mine[0].pk],
        )
        cursor.execute("ANALYZE accounts_apprenticeship")
        cursor.execute("ANALYZE notify_notification")
    plan = Notification.objects.for_user(manager).unread().explain()
    assert "Seq Scan on accounts_apprenticeship" not in plan, plan
    assert "accounts_apprenticeship_pkey" in plan, plan
    assert Notification.objects.for_user(manager).unread().count() == 3


# --- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_needs_a_login(client, db):
    response = client.get(INBOX)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_inbox_lists_own_items_newest_first_each_linking_to_its_page(
    client, apprenticeship, mentor, manager
):
    make_item(mentor, apprenticeship, title="Older", ago=60)
    make_item(mentor, apprenticeship, title="Newer", ago=1)
    make_item(manager, apprenticeship, title="The manager's own")
    client.force_login(mentor)
    response = client.get(INBOX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Newer") < html.index("Older")
    assert "The manager's own" not in html
    assert "Alex Apprentice" in html  # who it is about
    item = Notification.objects.get(title="Newer")
    assert f'action="/notifications/{item.pk}/open/"' in html
    assert 'href="/notifications/preferences/"' in html


def test_unread_items_are_marked_in_words_not_only_colour(client, apprenticeship, mentor):
    make_item(mentor, apprenticeship, title="Fresh")
    make_item(mentor, apprenticeship, title="Seen", read_at=timezone.now(), ago=5)
    client.force_login(mentor)
    html = client.get(INBOX).content.decode()
    fresh = html.split("Fresh")[0].rsplit('<li class="inbox-item', 1)[1]
    seen = html.split("Seen")[0].rsplit('<li class="inbox-item', 1)[1]
    assert "is-unread" in fresh and ">Unread</span>" in fresh
    assert "is-unread" not in seen and "Unread" not in seen
    assert "1 unread notification." in html


def test_items_about_an_apprenticeship_no_longer_visible_disappear(
    client, apprenticeship, mentor, manager
):
    make_item(mentor, apprenticeship, title="About Alex")
    client.force_login(mentor)
    assert "About Alex" in client.get(INBOX).content.decode()
    apprenticeship.mentor = manager
    apprenticeship.save()
    html = client.get(INBOX).content.decode()
    assert "About Alex" not in html
    assert "No notifications yet" in html


def test_the_unread_filter_shows_only_unread_items(client, apprenticeship, mentor):
    make_item(mentor, apprenticeship, title="Fresh")
    make_item(mentor, apprenticeship, title="Seen", read_at=timezone.now())
    client.force_login(mentor)
    html = client.get(INBOX + "?show=unread").content.decode()
    assert "Fresh" in html and "Seen" not in html
    assert 'aria-current="page">Unread</a>' in html


def test_a_tampered_filter_shows_everything(client, apprenticeship, mentor):
    make_item(mentor, apprenticeship, title="Seen", read_at=timezone.now())
    client.force_login(mentor)
    response = client.get(INBOX + "?show=<script>")
    assert response.status_code == 200 and "Seen" in response.content.decode()


def test_empty_states(client, apprenticeship, mentor):
    client.force_login(mentor)
    html = client.get(INBOX).content.decode()
    assert "No notifications yet" in html and "Mark all read" not in html
    make_item(mentor, apprenticeship, title="Seen", read_at=timezone.now())
    html = client.get(INBOX + "?show=unread").content.decode()
    assert "Nothing unread" in html and "Seen" not in html


def test_the_inbox_pages_by_25(client, mentor):
    Notification.objects.bulk_create(
        Notification(
            recipient=mentor,
            kind="evidence_submitted",
            title=f"Item {n:02d}",
            url="/",
            created_at=timezone.now() - timedelta(minutes=n),
        )
        for n in range(30)
    )
    client.force_login(mentor)
    first = client.get(INBOX).content.decode()
    assert "Item 00" in first and "Item 24" in first and "Item 25" not in first
    assert "Page 1 of 2" in first
    second = client.get(INBOX + "?page=2").content.decode()
    assert "Item 25" in second and "Item 29" in second and "Item 24" not in second
    assert "Item 29" in client.get(INBOX + "?page=99").content.decode()
    assert "Item 00" in client.get(INBOX + "?page=x").content.decode()


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("show", ["all", "unread"])
def test_the_inbox_costs_the_same_queries_at_any_size(
    client, apprenticeship, other_apprenticeship, mentor, django_assert_max_num_queries, size, show
):
    other_apprenticeship.mentor = mentor
    other_apprenticeship.save()
    for n in range(size):
        make_item(mentor, apprenticeship if n % 2 else other_apprenticeship, title=f"Item {n}")
    client.force_login(mentor)
    # Session, user, memberships, the bell's count, the page's count, the page's items.
    with django_assert_max_num_queries(6):
        response = client.get(INBOX + ("?show=unread" if show == "unread" else ""))
    assert response.status_code == 200


# --- marking read and unread ----------------------------------------------------------------


def test_mark_all_read_marks_only_own_items(client, apprenticeship, mentor, manager):
    make_item(mentor, apprenticeship)
    make_item(mentor, apprenticeship)
    theirs = make_item(manager, apprenticeship)
    client.force_login(mentor)
    response = client.post(reverse("notify:inbox-read-all"), follow=True)
    assert "Every notification is marked read." in response.content.decode()
    assert not Notification.objects.filter(recipient=mentor, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_with_nothing_unread_says_so(client, mentor):
    client.force_login(mentor)
    response = client.post(reverse("notify:inbox-read-all"), follow=True)
    assert "There was nothing unread." in response.content.decode()


def test_mark_all_read_returns_to_the_page_it_was_on_but_never_elsewhere(client, mentor):
    client.force_login(mentor)
    url = reverse("notify:inbox-read-all")
    assert client.post(url, {"next": "/notifications/?show=unread"}).url == (
        "/notifications/?show=unread"
    )
    for elsewhere in ["https://evil.example/", "//evil.example/", "/\\evil.example", ""]:
        assert client.post(url, {"next": elsewhere}).url == INBOX, elsewhere


def test_one_item_is_marked_read_and_unread_again(client, apprenticeship, mentor):
    item = make_item(mentor, apprenticeship, title="Toggle me")
    other = make_item(mentor, apprenticeship)
    client.force_login(mentor)
    response = client.post(reverse("notify:notification-read", kwargs={"pk": item.pk}))
    assert response.status_code == 302 and response.url == INBOX
    item.refresh_from_db()
    other.refresh_from_db()
    assert item.is_read and not other.is_read
    client.post(reverse("notify:notification-unread", kwargs={"pk": item.pk}))
    item.refresh_from_db()
    assert not item.is_read


def test_opening_an_item_marks_it_read_and_goes_to_its_page(client, apprenticeship, mentor):
    item = make_item(mentor, apprenticeship)
    client.force_login(mentor)
    response = client.post(reverse("notify:notification-open", kwargs={"pk": item.pk}))
    assert response.status_code == 302 and response.url == apprenticeship.get_absolute_url()
    item.refresh_from_db()
    assert item.is_read


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_opening_an_item_never_leaves_the_site(client, mentor, url):
    item = make_item(mentor, url=url)
    client.force_login(mentor)
    response = client.post(reverse("notify:notification-open", kwargs={"pk": item.pk}))
    assert response.url == INBOX


@pytest.mark.parametrize("name", ["notification-open", "notification-read", "notification-unread"])
def test_someone_elses_item_is_a_404(client, apprenticeship, mentor, manager, name):
    theirs = make_item(manager, apprenticeship)
    client.force_login(mentor)
    response = client.post(reverse(f"notify:{name}", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(reverse(f"notify:{name}", kwargs={"pk": 999999})).status_code == 404


def test_an_item_no_longer_visible_is_a_404(client, apprenticeship, mentor, manager):
    item = make_item(mentor, apprenticeship)
    apprenticeship.mentor = manager
    apprenticeship.save()
    client.force_login(mentor)
    assert client.post(reverse("notify:notification-open", kwargs={"pk": item.pk})).status_code == (
        404
    )


@pytest.mark.parametrize("name", ["notification-open", "notification-read", "notification-unread"])
def test_changes_are_post_only_with_csrf(apprenticeship, mentor, name):
    item = make_item(mentor, apprenticeship)
    client = Client(enforce_csrf_checks=True)
    client.force_login(mentor)
    url = reverse(f"notify:{name}", kwargs={"pk": item.pk})
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert client.post(reverse("notify:inbox-read-all")).status_code == 403
    item.refresh_from_db()
    assert item.read_at is None


def test_anonymous_posts_go_to_login(client, apprenticeship, mentor):
    item = make_item(mentor, apprenticeship)
    response = client.post(reverse("notify:notification-open", kwargs={"pk": item.pk}))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
