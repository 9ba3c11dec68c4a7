"""The outbox: an e-mail is queued with the action that sends it and goes only if that action
commits, at most once however often its task runs, with growing waits between failed tries,
and its body (which holds live links) is forgotten once it is sent or given up."""

import smtplib
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import outbox
from accounts.models import Invitation, OutgoingEmail
from accounts.tasks import flush_outbox, send_outgoing_email
from config.celery import _send_request_id, app
from core import request_id

pytestmark = pytest.mark.django_db

SMTP_DOWN = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def queue(**fields):
    return outbox.queue_email(
        **{
            "kind": "account",
            "to": ["ann@example.com"],
            "subject": "Hello",
            "body": "Your link: https://example.com/secret",
            **fields,
        }
    )


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


@pytest.fixture
def smtp_down():
    with mock.patch("accounts.outbox.EmailMultiAlternatives.send", side_effect=SMTP_DOWN) as send:
        yield send


def test_an_email_goes_after_the_commit_and_its_body_is_forgotten(mailoutbox):
    with transaction.atomic():
        email = queue(html="<p>Your link</p>")
        assert mailoutbox == []  # not before the commit
    (message,) = mailoutbox
    assert (message.to, message.subject, message.body) == (
        ["ann@example.com"],
        "Hello",
        "Your link: https://example.com/secret",
    )
    assert message.alternatives[0].content == "<p>Your link</p>"
    assert message.extra_headers["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert (email.status, email.attempts, email.body, email.html) == ("sent", 1, "", "")
    assert email.sent_at is not None and email.last_error == ""


def test_nothing_is_enqueued_when_the_transaction_rolls_back(mailoutbox):
    with (
        mock.patch.object(send_outgoing_email, "apply_async") as apply_async,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("the action failed")
    apply_async.assert_not_called()
    assert mailoutbox == [] and not OutgoingEmail.objects.exists()


def test_a_failed_invitation_form_queues_nothing(client, manager, acme, mailoutbox):
    client.force_login(manager)
    response = client.post(
        reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
        {"email": "nia@example.com", "full_name": "Nia", "role": "owner"},
    )
    assert response.status_code == 200
    assert not OutgoingEmail.objects.exists() and mailoutbox == []


def test_a_second_run_of_the_task_sends_nothing(mailoutbox):
    email = queue()
    assert len(mailoutbox) == 1
    send_outgoing_email.apply(args=(email.pk,))
    assert outbox.send(email.pk, now=later(60)) is None
    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_an_unknown_email_sends_nothing(mailoutbox):
    assert outbox.send(123456) is None
    assert mailoutbox == []


def test_failed_tries_wait_longer_each_time_then_give_up(smtp_down, settings, caplog):
    settings.OUTBOX_MAX_ATTEMPTS = 9
    settings.OUTBOX_MAX_DELAY_MINUTES = 30
    email = queue()
    waits = []
    for _ in range(7):
        email.refresh_from_db()
        assert email.status == "retrying" and email.body
        assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        now = email.next_try_at
        # Not before its time: a flush a second early sends nothing.
        assert outbox.send(email.pk, now=now - timedelta(seconds=1)) is None
        before = email.next_try_at
        assert outbox.send(email.pk, now=now) == "retrying"
        email.refresh_from_db()
        waits.append((email.next_try_at - before) / timedelta(minutes=1))
    assert waits == [2, 4, 8, 16, 30, 30, 30]
    assert outbox.send(email.pk, now=email.next_try_at) == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts, email.body, email.html) == ("failed", 9, "", "")
    assert outbox.send(email.pk, now=later(10_000)) is None
    assert smtp_down.call_count == 9
    assert "Gave up e-mail" in caplog.text


def test_a_bug_while_sending_is_raised_not_taken_for_a_mail_server_failure():
    bug = KeyError("bug")
    with (
        mock.patch("accounts.outbox.EmailMultiAlternatives.send", side_effect=bug),
        pytest.raises(KeyError),
    ):
        queue()


def test_the_delay_doubles_up_to_the_cap(settings):
    settings.OUTBOX_MAX_DELAY_MINUTES = 60
    assert [outbox.delay_after(n) / timedelta(minutes=1) for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


def test_a_broker_that_is_down_loses_nothing(client, manager, acme, mailoutbox, caplog):
    client.force_login(manager)
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(send_outgoing_email, "apply_async", side_effect=down):
        response = client.post(
            reverse("accounts:member-invite", kwargs={"pk": acme.pk}),
            {"email": "nia@example.com", "full_name": "Nia New", "role": "mentor"},
            follow=True,
        )
    assert response.status_code == 200
    assert "E-mail queued" in response.content.decode()
    invitation = Invitation.objects.get()
    email = OutgoingEmail.objects.about(invitation).get()
    assert (email.status, email.attempts) == ("queued", 0) and mailoutbox == []
    assert "Could not enqueue e-mail" in caplog.text

    assert flush_outbox.apply().get() == 1
    (message,) = mailoutbox
    assert message.to == ["nia@example.com"]
    assert flush_outbox.apply().get() == 0
    assert len(mailoutbox) == 1


def test_with_a_broker_a_failed_try_is_retried_by_celery_at_its_time(smtp_down):
    email = OutgoingEmail.objects.create(
        kind="account", to="ann@example.com", subject="Hi", body="b", message_id="<1@x>"
    )
    with (
        mock.patch.object(send_outgoing_email, "retry", side_effect=Retry) as retry,
        pytest.raises(Retry),
    ):
        send_outgoing_email.run(email.pk)
    email.refresh_from_db()
    retry.assert_called_once_with(eta=email.next_try_at)
    assert email.status == "retrying"


def test_in_process_a_failed_try_waits_for_the_flush(smtp_down):
    email = queue()
    assert send_outgoing_email.apply(args=(email.pk,)).get() is None  # not due yet
    assert smtp_down.call_count == 1


def test_the_request_id_goes_with_the_task_and_is_bound_while_it_runs():
    headers = {}
    token = request_id.bind("req-0123456789")
    try:
        _send_request_id(headers=headers)
        email = queue()
    finally:
        request_id.reset(token)
    assert headers == {"request_id": "req-0123456789"}
    assert email.request_id == "req-0123456789"

    seen = []

    def spy(pk, **kwargs):
        seen.append(request_id.get())

    with mock.patch("accounts.outbox.send", spy):
        send_outgoing_email.apply(args=(1,), headers={"request_id": "from-the-request-1"})
        send_outgoing_email.apply(args=(2,), headers={"request_id": "bad id\nforged"})
    assert seen[0] == "from-the-request-1"
    assert seen[1] != "bad id\nforged" and len(seen[1]) == 32  # a fresh one instead
    assert request_id.get() == ""  # unbound after the task


def test_the_beat_schedule_names_registered_tasks(settings):
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_the_mail_task_is_redelivered_when_its_worker_dies():
    assert send_outgoing_email.acks_late and send_outgoing_email.reject_on_worker_lost


def test_flush_outbox_command(smtp_down, mailoutbox):
    queue()
    out = mock.Mock()
    call_command("flush_outbox", stdout=out)
    out.write.assert_called_once_with("Sent 0 e-mail(s); 1 still waiting.\n")
    smtp_down.side_effect = None
    OutgoingEmail.objects.update(next_try_at=timezone.now())
    call_command("flush_outbox", stdout=out)
    assert out.write.call_args.args[0] == "Sent 1 e-mail(s); 0 still waiting.\n"


def test_flush_outbox_refuses_a_bad_limit():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("flush_outbox", "--limit", "0")


def test_the_flush_sends_at_most_its_limit_oldest_first(mailoutbox):
    with mock.patch.object(send_outgoing_email, "apply_async"):
        first, second = queue(subject="first"), queue(subject="second")
    OutgoingEmail.objects.filter(pk=first.pk).update(next_try_at=later(-5))
    assert outbox.flush(limit=1) == 1
    assert [m.subject for m in mailoutbox] == ["first"]
    assert outbox.flush() == 1
    assert second.subject == mailoutbox[1].subject


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once(mailoutbox):
    """Two runs of the task at the same moment (a redelivery racing the first delivery):
    PostgreSQL lets the second skip the row the first holds; SQLite runs them one after the
    other and the second finds it sent."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database is not shared between threads")
    with mock.patch.object(send_outgoing_email, "apply_async"):
        email = queue()
    started = threading.Event()
    real_send = mail.EmailMultiAlternatives.send

    def slow_send(message, *args, **kwargs):
        started.set()
        time.sleep(0.5)
        return real_send(message, *args, **kwargs)

    results = []

    def run():
        try:
            results.append(outbox.send(email.pk))
        finally:
            connection.close()

    with mock.patch("accounts.outbox.EmailMultiAlternatives.send", slow_send):
        first = threading.Thread(target=run)
        first.start()
        started.wait(5)
        second = threading.Thread(target=run)
        second.start()
        first.join(10)
        second.join(10)
    assert sorted(results, key=str) == [None, "sent"]
    assert len(mailoutbox) == 1
