"""How an immediate notification reaches its recipient: as they chose for its kind, only by
e-mail to a verified address, never from an action that rolled back, still in the inbox when
the mail server is down; and the two busiest actions cost the same queries however many people
are told."""

import smtplib

import pytest
from allauth.account.models import EmailAddress
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse

from accounts import outbox
from accounts.models import Apprenticeship, OutgoingEmail
from notify.models import Notification, Preference
from skillscan.services import scan_submit
from tests.conftest import verified_user
from tests.factories import EvidenceFactory, MembershipFactory, UserFactory, make_scan
from tracker.services import evidence_submit

pytestmark = pytest.mark.django_db


class Disconnected(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def submit_scan(apprenticeship):
    scan_submit(scan=make_scan(apprenticeship), user=apprenticeship.apprentice)


@pytest.mark.parametrize(
    ("channel", "items", "for_digest", "mails"),
    [
        (None, 1, False, 1),  # the kind's default: e-mail at once
        ("email", 1, False, 1),
        ("digest", 1, True, 0),
        ("inapp", 1, False, 0),
        ("off", 0, None, 0),
    ],
)
def test_the_mentors_choice_decides(
    apprenticeship, mentor, mailoutbox, channel, items, for_digest, mails
):
    if channel:
        Preference.objects.create(user=mentor, kind="scan_submitted", channel=channel)
    # A choice for another kind changes nothing here.
    Preference.objects.create(user=mentor, kind="evidence_submitted", channel="off")
    submit_scan(apprenticeship)
    got = list(Notification.objects.filter(recipient=mentor))
    assert len(got) == items
    if got:
        assert got[0].for_digest is for_digest
        assert (got[0].email is not None) == bool(mails)
    assert len(mailoutbox) == mails
    assert OutgoingEmail.objects.count() == mails


def test_someone_else_switching_off_does_not_stop_the_mentor(
    apprenticeship, mentor, manager, mailoutbox
):
    Preference.objects.create(user=manager, kind="scan_submitted", channel="off")
    submit_scan(apprenticeship)
    assert [m.to for m in mailoutbox] == [[mentor.email]]


@pytest.mark.parametrize(
    "address", ["unverified", "not primary", "none", "factory user without one"]
)
def test_without_a_verified_primary_address_the_inbox_item_comes_without_an_email(
    apprenticeship, mentor, mailoutbox, address
):
    if address == "unverified":
        EmailAddress.objects.filter(user=mentor).update(verified=False)
    elif address == "not primary":
        EmailAddress.objects.filter(user=mentor).update(primary=False)
    elif address == "none":
        EmailAddress.objects.filter(user=mentor).delete()
    else:
        plain = UserFactory(email="plain@example.com")  # no address of its own
        MembershipFactory(user=plain, organisation=apprenticeship.organisation)
        Apprenticeship.objects.filter(pk=apprenticeship.pk).update(mentor=plain)
        apprenticeship.refresh_from_db()
        mentor = plain
    submit_scan(apprenticeship)
    item = Notification.objects.get(recipient=mentor)
    assert item.email is None and item.for_digest is False
    assert mailoutbox == [] and not OutgoingEmail.objects.exists()


def test_the_email_goes_to_the_verified_primary_address_not_the_login(
    apprenticeship, mentor, mailoutbox
):
    EmailAddress.objects.filter(user=mentor).update(primary=False)
    EmailAddress.objects.create(user=mentor, email="mina@work.example", verified=True, primary=True)
    submit_scan(apprenticeship)
    assert [m.to for m in mailoutbox] == [["mina@work.example"]]


def test_a_deleted_mentor_is_not_told(client, apprenticeship, mentor, manager, mailoutbox):
    from accounts.services import user_delete_account

    user_delete_account(user=mentor)
    apprenticeship.refresh_from_db()
    submit_scan(apprenticeship)
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {manager.email}
    assert [m.to for m in mailoutbox] == [[manager.email]]


class Boom(Exception):
    pass


def test_a_rolled_back_action_tells_nobody(apprenticeship, standard, apprentice, mailoutbox):
    draft = EvidenceFactory(apprenticeship=apprenticeship, ksbs=[standard.ksbs.first()])
    with pytest.raises(Boom), transaction.atomic():
        evidence_submit(evidence=draft, user=apprentice)
        assert Notification.objects.count() == 1  # written in the action's transaction
        raise Boom
    assert not Notification.objects.exists() and not OutgoingEmail.objects.exists()
    assert mailoutbox == []
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_refused_action_tells_nobody(apprenticeship, apprentice, mailoutbox):
    scan = make_scan(apprenticeship, scores={})  # nothing rated: it cannot be submitted
    from skillscan.services import ScanIncomplete

    with pytest.raises(ScanIncomplete):
        scan_submit(scan=scan, user=apprentice)
    assert not Notification.objects.exists() and mailoutbox == []


def test_with_the_mail_server_down_the_item_is_in_the_inbox_and_the_email_waits(
    client, settings, apprenticeship, apprentice, mentor, mailoutbox
):
    settings.EMAIL_BACKEND = f"{__name__}.Disconnected"
    scan = make_scan(apprenticeship)
    client.force_login(apprentice)
    response = client.post(reverse("skillscan:scan-submit", kwargs={"pk": scan.pk}), follow=True)
    assert response.status_code == 200
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "The e-mail to your mentor has not gone yet" in messages
    item = Notification.objects.get(recipient=mentor)
    item.email.refresh_from_db()
    assert (item.email.status, item.email.attempts) == ("retrying", 1)
    assert item.email.kind == "scan_submitted" and item.email.about == scan
    assert mailoutbox == []
    client.force_login(mentor)
    inbox = client.get(reverse("notify:inbox")).content.decode()
    assert item.title in inbox


# --- queries ----------------------------------------------------------------------------------

QUERIES_SCAN_SUBMIT = 26
QUERIES_EVIDENCE_DECIDE = 31


@pytest.fixture
def broker(monkeypatch):
    """The e-mails are handed to a worker, as in production, rather than sent inside the
    request: the request's own queries are counted, then ``broker.deliver()`` sends them."""
    handed = []
    monkeypatch.setattr(outbox, "enqueue", handed.append)

    class Broker:
        def deliver(self):
            for pk in handed:
                outbox.send(pk)
            return len(handed)

    return Broker()


@pytest.fixture
def crowd(apprenticeship, acme):
    """Without a mentor, a scan or evidence goes to every manager: ``crowd(n)`` makes n more
    managers, each with a verified address."""
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(mentor=None)

    def make(count):
        for n in range(count):
            user = verified_user(f"manager{n}@example.com", f"Manager {n}")
            MembershipFactory(user=user, organisation=acme, role="manager")

    return make


@pytest.mark.parametrize("more_managers", [0, 8])
def test_submitting_a_scan_costs_the_same_queries_for_one_manager_or_nine(
    client,
    apprenticeship,
    apprentice,
    manager,
    crowd,
    broker,
    mailoutbox,
    more_managers,
    django_assert_max_num_queries,
):
    crowd(more_managers)
    scan = make_scan(apprenticeship)
    client.force_login(apprentice)
    url = reverse("skillscan:scan-submit", kwargs={"pk": scan.pk})
    with django_assert_max_num_queries(QUERIES_SCAN_SUBMIT):
        response = client.post(url)
    assert response.status_code == 302
    assert broker.deliver() == Notification.objects.count() == 1 + more_managers
    assert len(mailoutbox) == 1 + more_managers


@pytest.mark.parametrize("ksbs", [1, 9])
def test_deciding_evidence_costs_the_same_queries_however_many_ksbs(
    client,
    apprenticeship,
    standard,
    mentor,
    broker,
    mailoutbox,
    ksbs,
    django_assert_max_num_queries,
):
    claimed = list(standard.ksbs.all()[:ksbs])
    evidence = EvidenceFactory(apprenticeship=apprenticeship, status="submitted", ksbs=claimed)
    client.force_login(mentor)
    url = reverse("tracker:evidence-decide", kwargs={"pk": evidence.pk})
    with django_assert_max_num_queries(QUERIES_EVIDENCE_DECIDE):
        response = client.post(url, {"decision": "accepted", "ksbs": [k.pk for k in claimed]})
    assert response.status_code == 302
    assert Notification.objects.get().kind == "evidence_accepted"
    assert broker.deliver() == len(mailoutbox) == 1
