"""Runs of send_reminders: a second run in the same period sends nothing, a clock that jumps
back sends nothing twice, the cost in queries does not grow with the apprenticeships, and the
command, the task and the beat entry that start it."""

import re
from datetime import UTC, date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organisation
from notify.catalogue import Kind
from notify.models import Notification, Sent
from notify.reminders import claim, send_reminders
from tests.conftest import verified_user
from tests.factories import ApprenticeshipFactory, EvidenceFactory, make_scan
from tests.notify.test_reminders import FRI, MON, TODAY, _apprenticeship, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def due(acme, standard, apprentice, mentor, manager):
    """An apprenticeship with a review due in two days and a piece of evidence waiting."""
    apprenticeship = _apprenticeship(
        acme, standard, apprentice, mentor, review_on=TODAY + timedelta(days=2)
    )
    waiting = FRI - timedelta(days=7)  # 8 working days by TODAY
    EvidenceFactory(apprenticeship=apprenticeship, status="submitted", submitted_at=at(waiting))
    return apprenticeship


def _emails():
    return sorted((email.to[0], email.subject) for email in mail.outbox)


def test_two_runs_in_the_same_period_send_one_set(due):
    first = send_reminders(today=TODAY)
    emails, items = _emails(), Notification.objects.count()
    assert (first.reminders, first.people) == (3, 2)
    assert emails and items == 3
    second = send_reminders(today=TODAY)
    assert (second.reminders, second.people, second.emails) == (0, 0, 0)
    assert _emails() == emails
    assert Notification.objects.count() == items


def test_a_clock_that_jumps_back_sends_nothing_twice(due):
    later = TODAY + timedelta(days=1)
    send_reminders(today=later)
    emails = _emails()
    assert send_reminders(today=TODAY).reminders == 0
    assert _emails() == emails


def test_a_row_another_run_holds_is_not_sent_again(due, mentor):
    """Two runs at once: the one whose rows went in first sends; the other reads back none of
    them (the constraint decides, not a check)."""
    key = (mentor.pk, Kind.REVIEW_DUE, f"apprenticeship:{due.pk}", "due 2027-01-15")
    import uuid

    first, second = uuid.uuid4(), uuid.uuid4()
    assert claim({key: None}, first, at(TODAY)) == {key}
    assert claim({key: None}, second, at(TODAY)) == set()
    assert Sent.objects.get().run == first


def test_sent_rows_say_what_went(due, mentor, apprentice):
    send_reminders(today=TODAY)
    rows = set(Sent.objects.values_list("recipient__email", "kind", "subject", "period"))
    assert rows == {
        ("apprentice@example.com", "review_due", f"apprenticeship:{due.pk}", "due 2027-01-15"),
        ("mentor@example.com", "review_due", f"apprenticeship:{due.pk}", "due 2027-01-15"),
        (
            "mentor@example.com",
            "evidence_waiting",
            f"evidence:{due.evidence.get().pk}",
            f"submitted {at(FRI - timedelta(days=7)).astimezone(UTC).isoformat()}",
        ),
    }
    assert len(set(Sent.objects.values_list("run", flat=True))) == 1


# --- queries ----------------------------------------------------------------------------------


def _many(count, acme, standard, mentor, start=0):
    """``count`` apprenticeships with every kind of reminder due on TODAY among them."""
    for index in range(start, start + count):
        apprentice = verified_user(f"many{index}@example.com", f"Many {index}")
        apprenticeship = ApprenticeshipFactory(
            organisation=acme,
            standard=standard,
            apprentice=apprentice,
            mentor=mentor,
            start_date=TODAY - timedelta(days=300),
            planned_end_date=TODAY + timedelta(days=400),
            otj_target_hours=400,
        )
        if index % 2:
            make_scan(
                apprenticeship, status="validated", validated_at=at(TODAY - timedelta(weeks=27))
            )
        EvidenceFactory(
            apprenticeship=apprenticeship,
            status="submitted",
            submitted_at=at(MON - timedelta(days=14 + index % 3)),
        )


@pytest.fixture
def queued(monkeypatch):
    """The ids of the e-mails queued, not sent: sending is one e-mail at a time whatever
    decides them (the outbox's own tests cover it), so these tests count what the run does."""
    pks = []
    monkeypatch.setattr("accounts.outbox.enqueue", pks.append)
    return pks


def _queries(day):
    """(the statements of a run but its inserts, the number of inserts, its Result)."""
    with CaptureQueriesContext(connection) as queries:
        result = send_reminders(today=day)
    # An executemany is logged once, as "<n> times: <sql>": its count is data, not statements.
    statements = [re.sub(r"^\d+ times: ", "", query["sql"]) for query in queries]
    others = [sql.split(" ")[0] for sql in statements if not sql.startswith("INSERT")]
    return others, len(statements) - len(others), result


# A savepoint and its release, the tallies and the waiting evidence (2), two per kind for the
# recipients (12), the claimed rows read back (1), delivery's addresses (1) and a choice per
# kind (6). Inserts: the claimed rows in one executemany; the e-mails and the inbox items in
# batches (SQLite takes up to 999 values a statement), at least one statement each.
STATEMENTS = 24


def _batches(rows):
    """Insert statements for ``rows`` reminders: three tables, each batch holding at least 40
    rows (999 values, at most 24 columns), whatever the number of apprenticeships."""
    return 3 + rows // 40


@pytest.mark.parametrize("count", [3, 30])
def test_the_queries_do_not_grow_with_the_apprenticeships(
    acme, standard, mentor, manager, count, queued
):
    _many(count, acme, standard, mentor)
    others, inserts, result = _queries(TODAY)
    assert len(others) == STATEMENTS
    assert inserts <= _batches(result.reminders)
    # Every kind is due: reviews overdue, hours behind, scans not started and due, evidence
    # waiting and waiting long.
    assert set(Sent.objects.values_list("kind", flat=True)) == {
        Kind.REVIEW_OVERDUE,
        Kind.HOURS_BEHIND,
        Kind.SCAN_NOT_STARTED,
        Kind.SCAN_DUE,
        Kind.EVIDENCE_WAITING,
        Kind.EVIDENCE_WAITING_LONG,
    }
    assert result.people == count + 2
    assert len(queued) == result.emails


def test_the_same_statements_at_two_sizes(acme, standard, mentor, manager, queued):
    _many(3, acme, standard, mentor)
    small, _, _ = _queries(TODAY)
    Sent.objects.all().delete()
    _many(27, acme, standard, mentor, start=3)
    large, _, result = _queries(TODAY)
    assert result.people == 32
    assert small == large


# --- the command, the task, the schedule --------------------------------------------------------


def test_the_command_says_what_it_sent(due, capsys):
    call_command("send_reminders", "--date", TODAY.isoformat())
    # The mentor's two kinds are two e-mails; the apprentice's one.
    assert capsys.readouterr().out == "Sent 3 reminder(s) to 2 people in 3 e-mail(s).\n"
    call_command("send_reminders", "--date", TODAY.isoformat())
    assert capsys.readouterr().out == "Sent 0 reminder(s) to 0 people in 0 e-mail(s).\n"


def test_the_command_without_a_date_uses_today(acme, standard, apprentice, mentor, capsys):
    _apprenticeship(acme, standard, apprentice, None, review_on=date.today() + timedelta(days=1))
    call_command("send_reminders")
    assert capsys.readouterr().out == "Sent 1 reminder(s) to 1 person in 1 e-mail(s).\n"


@pytest.mark.parametrize(
    "value", ["2027-13-01", "2027-02-30", "yesterday", "20270113", "", "13/01/2027"]
)
def test_the_command_refuses_a_bad_date(value, db):
    with pytest.raises(CommandError, match="--date must be a day as YYYY-MM-DD"):
        call_command("send_reminders", "--date", value)
    assert not Sent.objects.exists()


def test_the_task_sends_them(due):
    from notify.tasks import send_reminders as task

    Organisation.objects.update()  # nothing: the task decides on today
    result = task.delay().get()
    assert set(result) == {"reminders", "people", "emails"}


def test_beat_runs_the_task_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "notify.tasks.send_reminders"
    schedule = entry["schedule"]
    assert schedule.hour == {7} and schedule.minute == {0}
