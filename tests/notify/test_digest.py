"""The digest: one e-mail per person and period listing what waits for them, grouped by
apprentice, oldest first; daily, or weekly on Mondays; at most once per period whatever
runs again (the unique constraint decides); and bounded queries for any number of people."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from accounts.models import OutgoingEmail
from notify import tasks
from notify.delivery import Message, deliver
from notify.digest import DIGEST, group_items, is_due, period_of, send_digests
from notify.models import DigestChoice, Notification, Preference, Sent
from tests.conftest import verified_user
from tests.factories import ApprenticeshipFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 12, 7, 7, 15, tzinfo=LONDON)
TUESDAY = MONDAY + timedelta(days=1)
SUNDAY = MONDAY - timedelta(days=1)


def waiting(recipient, apprenticeship=None, *, title="Evidence to review", at=None, **fields):
    """An item held for the recipient's digest, created ``at`` (a day before Monday's run)."""
    return Notification.objects.create(
        recipient=recipient,
        kind=fields.pop("kind", "evidence_submitted"),
        apprenticeship=apprenticeship,
        title=title,
        url=apprenticeship.get_absolute_url() if apprenticeship else "/",
        created_at=at or SUNDAY,
        for_digest=True,
        **fields,
    )


@pytest.fixture
def two_apprentices(apprenticeship, acme, standard, mentor, other_apprentice):
    """The mentor's two apprentices: Alex Apprentice and Bea Beginner."""
    bea = ApprenticeshipFactory(
        apprentice=other_apprentice, standard=standard, organisation=acme, mentor=mentor
    )
    return apprenticeship, bea


# --- periods --------------------------------------------------------------------------------


def test_periods_and_days_due():
    assert period_of("daily", MONDAY.date()) == "2026-12-07"
    assert period_of("weekly", MONDAY.date()) == "2026-W50"
    assert period_of("weekly", (MONDAY + timedelta(days=6)).date()) == "2026-W50"
    assert period_of("weekly", SUNDAY.date()) == "2026-W49"
    # The ISO year, not the calendar year, at a new year.
    assert period_of("weekly", datetime(2027, 1, 1).date()) == "2026-W53"
    assert is_due("daily", TUESDAY.date()) and is_due("weekly", MONDAY.date())
    assert not is_due("weekly", TUESDAY.date()) and not is_due("weekly", SUNDAY.date())


# --- grouping -------------------------------------------------------------------------------


def test_items_are_grouped_by_apprentice_oldest_first(two_apprentices, mentor):
    alex, bea = two_apprentices
    waiting(mentor, bea, title="Bea 2", at=SUNDAY - timedelta(hours=1))
    waiting(mentor, alex, title="Alex 1", at=SUNDAY - timedelta(hours=3))
    waiting(mentor, bea, title="Bea 1", at=SUNDAY - timedelta(hours=5))
    waiting(mentor, None, title="Other 1", at=SUNDAY - timedelta(hours=2))
    items = Notification.objects.select_related("apprenticeship__apprentice")
    groups = group_items(items)
    assert [(g.name, [i.title for i in g.items]) for g in groups] == [
        ("Bea Beginner", ["Bea 1", "Bea 2"]),
        ("Alex Apprentice", ["Alex 1"]),
        ("Other", ["Other 1"]),
    ]


def test_the_digest_lists_what_waits_by_apprentice_oldest_first(
    two_apprentices, mentor, mailoutbox
):
    alex, bea = two_apprentices
    waiting(mentor, alex, title="Alex's newer", at=SUNDAY)
    waiting(mentor, bea, title="Bea's only", at=SUNDAY - timedelta(hours=2))
    waiting(mentor, alex, title="Alex's older", at=SUNDAY - timedelta(hours=4))
    assert send_digests(MONDAY) == 1
    [mail] = mailoutbox
    assert mail.to == ["mentor@example.com"]
    assert mail.subject == "Your digest: 3 things wait for you (2 apprentices)"
    body = mail.body
    order = ["Alex Apprentice", "Alex's older", "Alex's newer", "Bea Beginner", "Bea's only"]
    assert [body.index(text) for text in order] == sorted(body.index(text) for text in order)
    assert f"http://testserver{alex.get_absolute_url()}" in body or alex.get_absolute_url() in body
    html = mail.alternatives[0][0]
    assert "<h2" in html and "Alex&#x27;s older" in html
    assert not Notification.objects.filter(digested_at__isnull=True).exists()


def test_the_digest_carries_its_one_click_unsubscribe(mentor, apprenticeship, mailoutbox):
    waiting(mentor, apprenticeship)
    send_digests(MONDAY)
    [mail] = mailoutbox
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in mail.extra_headers["List-Unsubscribe"]
    assert "Stop digest e-mails" in mail.body
    assert OutgoingEmail.objects.get().kind == DIGEST


def test_one_thing_reads_as_one(mentor, apprenticeship, mailoutbox):
    waiting(mentor, apprenticeship)
    send_digests(MONDAY)
    assert mailoutbox[0].subject == "Your digest: 1 thing waits for you (1 apprentice)"


# --- who, when, and at most once per period -----------------------------------------------


def test_a_second_run_in_the_same_period_sends_nothing(mentor, apprenticeship, mailoutbox):
    waiting(mentor, apprenticeship)
    assert send_digests(MONDAY) == 1
    waiting(mentor, apprenticeship, title="Came later", at=MONDAY + timedelta(hours=1))
    assert send_digests(MONDAY + timedelta(hours=2)) == 0
    assert len(mailoutbox) == 1
    assert Sent.objects.get().period == "2026-12-07"
    # The next day the later item goes.
    assert send_digests(TUESDAY) == 1
    assert "Came later" in mailoutbox[1].body
    assert list(Sent.objects.order_by("period").values_list("period", flat=True)) == [
        "2026-12-07",
        "2026-12-08",
    ]


def test_a_clock_that_jumps_back_sends_nothing_twice(mentor, apprenticeship, mailoutbox):
    waiting(mentor, apprenticeship)
    send_digests(TUESDAY)
    waiting(mentor, apprenticeship, title="New", at=TUESDAY)
    send_digests(TUESDAY - timedelta(hours=3))  # earlier, the same day
    assert len(mailoutbox) == 1


def test_the_unique_constraint_decides_not_a_check(mentor, apprenticeship, mailoutbox):
    """Another run inserted this period's row first (between our read and our insert): ours
    sends nothing and leaves the items for the next period."""
    item = waiting(mentor, apprenticeship)
    Sent.objects.create(recipient=mentor, kind=DIGEST, subject=DIGEST, period="2026-12-07")
    assert send_digests(MONDAY) == 0
    assert mailoutbox == []
    item.refresh_from_db()
    assert item.digested_at is None


def test_a_weekly_digest_goes_on_mondays_only(mentor, apprenticeship, mailoutbox):
    DigestChoice.objects.create(user=mentor, frequency="weekly")
    waiting(mentor, apprenticeship, at=SUNDAY - timedelta(days=3))
    assert send_digests(SUNDAY) == 0
    assert send_digests(MONDAY) == 1
    waiting(mentor, apprenticeship, title="Tuesday's", at=TUESDAY)
    assert send_digests(TUESDAY + timedelta(hours=1)) == 0
    assert send_digests(MONDAY + timedelta(days=7)) == 1
    assert "Tuesday's" in mailoutbox[1].body
    assert set(Sent.objects.values_list("period", flat=True)) == {"2026-W50", "2026-W51"}


def test_items_not_held_for_the_digest_or_already_listed_are_not_sent(
    mentor, apprenticeship, mailoutbox
):
    Notification.objects.create(recipient=mentor, kind="evidence_submitted", title="t", url="/")
    waiting(mentor, apprenticeship, digested_at=SUNDAY)
    assert send_digests(MONDAY) == 0
    assert mailoutbox == [] and not Sent.objects.exists()


def test_items_no_longer_visible_are_left_out(two_apprentices, mentor, manager, mailoutbox):
    alex, bea = two_apprentices
    gone = waiting(mentor, bea, title="About Bea")
    waiting(mentor, alex, title="About Alex")
    bea.mentor = manager
    bea.save()
    send_digests(MONDAY)
    [mail] = mailoutbox
    assert "About Alex" in mail.body and "Bea" not in mail.body
    gone.refresh_from_db()
    assert gone.digested_at is not None  # done with: never listed later


def test_nobody_is_sent_a_digest_of_only_what_they_can_no_longer_see(
    apprenticeship, mentor, manager, mailoutbox
):
    waiting(mentor, apprenticeship)
    apprenticeship.mentor = manager
    apprenticeship.save()
    assert send_digests(MONDAY) == 0
    assert mailoutbox == [] and not Sent.objects.exists()


def test_no_verified_address_no_digest_and_the_items_wait(apprenticeship, mentor, mailoutbox):
    item = waiting(mentor, apprenticeship)
    EmailAddress.objects.filter(user=mentor).update(verified=False)
    assert send_digests(MONDAY) == 0
    item.refresh_from_db()
    assert item.digested_at is None and mailoutbox == []
    EmailAddress.objects.filter(user=mentor).update(verified=True)
    assert send_digests(MONDAY) == 1


def test_a_deleted_user_gets_no_digest(apprenticeship, mentor, mailoutbox):
    from accounts.services import user_delete_account

    waiting(mentor, apprenticeship)
    user_delete_account(user=mentor)
    assert send_digests(MONDAY) == 0 and mailoutbox == []


def test_a_mail_server_that_is_down_keeps_the_email_to_retry(
    apprenticeship, mentor, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.notify.test_event_delivery.Disconnected"
    waiting(mentor, apprenticeship)
    assert send_digests(MONDAY) == 1
    email = OutgoingEmail.objects.get(kind=DIGEST)
    assert email.status != OutgoingEmail.Status.SENT
    # The period is done (the outbox retries the e-mail); no second e-mail is written.
    assert send_digests(MONDAY) == 0
    assert OutgoingEmail.objects.filter(kind=DIGEST).count() == 1


def test_delivery_with_a_digest_choice_reaches_the_next_digest(apprenticeship, mentor, mailoutbox):
    Preference.objects.create(user=mentor, kind="evidence_submitted", channel="digest")
    deliver(
        [
            Message(
                mentor,
                "evidence_submitted",
                "Evidence to review",
                "/x/",
                apprenticeship=apprenticeship,
            )
        ]
    )
    assert mailoutbox == []
    Notification.objects.update(created_at=SUNDAY)
    assert send_digests(MONDAY) == 1
    assert "Evidence to review" in mailoutbox[0].body


# --- the ways it runs, and its cost ----------------------------------------------------------


def test_the_command_and_the_task_send_what_is_due(apprenticeship, mentor, mailoutbox):
    waiting(mentor, apprenticeship, at=timezone.now() - timedelta(hours=1))
    from io import StringIO

    out = StringIO()
    call_command("send_digests", stdout=out)
    assert out.getvalue().strip() == "Sent 1 digest(s)."
    assert tasks.send_digests() == 0
    assert len(mailoutbox) == 1


def test_the_beat_schedule_runs_the_digest_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-digests"]
    assert entry["task"] == "notify.tasks.send_digests"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {15}


def _people(acme, standard, count):
    for n in range(count):
        mentor = verified_user(f"m{n}@example.com", f"Mentor {n}")
        MembershipFactory(user=mentor, organisation=acme, role="mentor")
        for _ in range(2):
            waiting(
                mentor, ApprenticeshipFactory(organisation=acme, standard=standard, mentor=mentor)
            )
        waiting(mentor, None)


@pytest.mark.parametrize("count", [2, 25])
def test_the_same_queries_for_any_number_of_people(
    acme, standard, count, django_assert_num_queries, monkeypatch
):
    _people(acme, standard, count)
    sending = []
    monkeypatch.setattr("accounts.outbox.enqueue", sending.append)  # the worker's, not ours
    # The people waiting, their choices, their addresses, their items, their memberships,
    # the savepoint, the Sent rows, those of this run, the e-mails, the items marked, the
    # release.
    with django_assert_num_queries(11, info=f"{count} people"):
        assert send_digests(MONDAY) == count
    assert len(sending) == count
