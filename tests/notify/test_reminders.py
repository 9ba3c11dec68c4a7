"""Each reminder on hand-built apprenticeships, on the days around its boundaries: who gets it,
when, and that it comes back only when its period changes."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Apprenticeship, Membership, Organisation
from accounts.status import apprenticeship_status_change
from notify.catalogue import Kind
from notify.models import Notification, Sent
from notify.reminders import send_reminders
from progress.models import Tally
from tests.conftest import verified_user
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    ProgressReviewFactory,
    make_scan,
)

pytestmark = pytest.mark.django_db

# A Wednesday; 2027-01-08 is a Friday and 2027-01-11 a Monday.
TODAY = date(2027, 1, 13)
FRI, MON = date(2027, 1, 8), date(2027, 1, 11)


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _apprenticeship(acme, standard, apprentice, mentor, *, review_on=None, scan=True, **fields):
    """An apprenticeship with nothing due on TODAY unless asked: its hours on track (no
    target), its next review agreed for ``review_on`` (two months on by default), a scan
    started."""
    apprenticeship = ApprenticeshipFactory(
        **{
            "organisation": acme,
            "standard": standard,
            "apprentice": apprentice,
            "mentor": mentor,
            "start_date": TODAY - timedelta(days=100),
            "planned_end_date": TODAY + timedelta(days=600),
            "otj_target_hours": 0,
            **fields,
        }
    )
    ProgressReviewFactory(
        apprenticeship=apprenticeship,
        held_on=apprenticeship.start_date + timedelta(days=7),
        next_due_on=review_on or TODAY + timedelta(days=60),
    )
    if scan:
        make_scan(apprenticeship)
    return apprenticeship


@pytest.fixture
def quiet(acme, standard, apprentice, mentor, manager):
    return _apprenticeship(acme, standard, apprentice, mentor)


def _sent(today=TODAY):
    """{(recipient e-mail, kind)} of the inbox items one run made."""
    before = set(Notification.objects.values_list("pk", flat=True))
    send_reminders(today=today)
    return {
        (item.recipient.email, item.kind)
        for item in Notification.objects.exclude(pk__in=before).select_related("recipient")
    }


def test_nothing_is_due_for_a_quiet_apprenticeship(quiet):
    assert _sent() == set()
    assert mail.outbox == []


# --- reviews --------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "sent"), [(8, False), (7, True), (0, True)])
def test_review_due_within_seven_days_to_the_apprentice_and_the_mentor(
    acme, standard, apprentice, mentor, manager, days, sent
):
    _apprenticeship(acme, standard, apprentice, mentor, review_on=TODAY + timedelta(days=days))
    expected = {
        ("apprentice@example.com", Kind.REVIEW_DUE),
        ("mentor@example.com", Kind.REVIEW_DUE),
    }
    assert _sent() == (expected if sent else set())


def test_review_due_is_sent_once_per_due_date(acme, standard, apprentice, mentor):
    apprenticeship = _apprenticeship(
        acme, standard, apprentice, mentor, review_on=TODAY + timedelta(days=7)
    )
    assert len(_sent()) == 2
    assert _sent(TODAY + timedelta(days=3)) == set()
    # A new date agreed: a new period.
    apprenticeship.reviews.update(next_due_on=TODAY + timedelta(days=6))
    from progress.tally import tally_refresh

    tally_refresh([apprenticeship.pk])
    assert len(_sent(TODAY + timedelta(days=3))) == 2


def test_review_overdue_then_weekly(acme, standard, apprentice, mentor):
    due = TODAY - timedelta(days=1)
    _apprenticeship(acme, standard, apprentice, mentor, review_on=due)
    overdue = {
        ("apprentice@example.com", Kind.REVIEW_OVERDUE),
        ("mentor@example.com", Kind.REVIEW_OVERDUE),
    }
    assert _sent(due + timedelta(days=1)) == overdue  # week 0
    assert _sent(due + timedelta(days=6)) == set()  # still week 0
    assert _sent(due + timedelta(days=7)) == overdue  # week 1
    assert _sent(due + timedelta(days=13)) == set()
    assert _sent(due + timedelta(days=14)) == overdue  # week 2
    assert set(Sent.objects.values_list("period", flat=True)) == {
        f"due {due.isoformat()} week {week}" for week in (0, 1, 2)
    }


def test_the_review_reminder_follows_the_organisations_interval(acme, standard, apprentice):
    Organisation.objects.filter(pk=acme.pk).update(review_interval_weeks=4)
    start = TODAY - timedelta(weeks=4) + timedelta(days=7)  # no review: due 4 weeks on
    apprenticeship = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        apprentice=apprentice,
        start_date=start,
        otj_target_hours=0,
    )
    make_scan(apprenticeship)
    assert Tally.objects.get(pk=apprenticeship.pk).review_due_on == TODAY + timedelta(days=7)
    assert _sent() == {("apprentice@example.com", Kind.REVIEW_DUE)}


# --- evidence -------------------------------------------------------------------------------


def _waiting(apprenticeship, day, **fields):
    return EvidenceFactory(
        apprenticeship=apprenticeship, status="submitted", submitted_at=at(day), **fields
    )


@pytest.mark.parametrize(
    ("today", "sent"),
    [
        (FRI + timedelta(days=7), False),  # 5 working days: not more than 5
        (MON + timedelta(days=7), True),  # 6, across the weekend
    ],
)
def test_evidence_waiting_more_than_five_working_days_to_the_mentor(
    quiet, mentor, manager, today, sent
):
    _waiting(quiet, FRI)
    assert _sent(today) == ({("mentor@example.com", Kind.EVIDENCE_WAITING)} if sent else set())


def test_evidence_waiting_once_per_piece_and_then_to_managers_after_twice_as_long(
    quiet, mentor, manager
):
    _waiting(quiet, FRI)
    assert _sent(MON + timedelta(days=7)) == {("mentor@example.com", Kind.EVIDENCE_WAITING)}
    assert _sent(MON + timedelta(days=8)) == set()
    assert _sent(FRI + timedelta(days=14)) == set()  # 10 working days: not more than 10
    assert _sent(MON + timedelta(days=14)) == {("manager@example.com", Kind.EVIDENCE_WAITING_LONG)}
    assert _sent(MON + timedelta(days=21)) == set()


def test_the_organisations_threshold_decides(quiet, mentor, acme):
    Organisation.objects.filter(pk=acme.pk).update(evidence_waiting_days=2)
    _waiting(quiet, MON)
    assert _sent(MON + timedelta(days=2)) == set()  # Wednesday: 2 working days
    assert _sent(MON + timedelta(days=3)) == {("mentor@example.com", Kind.EVIDENCE_WAITING)}


def test_a_mentor_whose_membership_ended_falls_back_to_the_managers(quiet, mentor, manager, acme):
    _waiting(quiet, FRI)
    Membership.objects.filter(user=mentor, organisation=acme).delete()
    assert _sent(MON + timedelta(days=7)) == {("manager@example.com", Kind.EVIDENCE_WAITING)}


def test_evidence_sent_back_and_submitted_again_is_a_new_period(quiet, mentor):
    evidence = _waiting(quiet, FRI)
    assert len(_sent(MON + timedelta(days=7))) == 1
    type(evidence).objects.filter(pk=evidence.pk).update(submitted_at=at(MON + timedelta(days=7)))
    assert _sent(MON + timedelta(days=15)) == {("mentor@example.com", Kind.EVIDENCE_WAITING)}


def test_one_email_per_person_lists_every_piece(quiet, mentor):
    for day in (FRI, FRI - timedelta(days=1), FRI - timedelta(days=2)):
        _waiting(quiet, day)
    send_reminders(today=MON + timedelta(days=7))
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["mentor@example.com"]
    assert email.subject == "3 pieces of evidence wait for your review"
    assert email.body.count("has waited") == 3
    assert "List-Unsubscribe" in email.extra_headers
    assert Notification.objects.filter(recipient=mentor).count() == 3


def test_a_single_piece_has_its_own_title_as_subject(quiet, mentor):
    _waiting(quiet, FRI, title="Pipeline fix")
    send_reminders(today=MON + timedelta(days=7))
    (email,) = mail.outbox
    assert (
        email.subject == "“Pipeline fix” from Alex Apprentice has waited 6 working days for review"
    )
    assert f"/evidence/{quiet.evidence.get().pk}/" in email.body


# --- hours ----------------------------------------------------------------------------------


def test_hours_behind_to_the_apprentice_at_most_weekly(acme, standard, apprentice, mentor):
    apprenticeship = _apprenticeship(acme, standard, apprentice, mentor, otj_target_hours=400)
    behind = Tally.objects.get(pk=apprenticeship.pk).behind_from
    assert behind is not None
    # Walk from the day before to the Monday after the next ISO week change.
    day, seen = behind - timedelta(days=1), []
    monday = behind + timedelta(days=7 - behind.weekday())
    while day <= monday:
        sent = _sent(day)
        if sent:
            assert sent == {("apprentice@example.com", Kind.HOURS_BEHIND)}
            seen.append(day)
        day += timedelta(days=1)
    assert seen == ([behind, monday] if behind != monday else [behind])


# --- scans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "sent"), [(-1, False), (0, True)])
def test_scan_not_started_four_weeks_after_the_start(
    acme, standard, apprentice, mentor, days, sent
):
    start = TODAY - timedelta(weeks=4) + timedelta(days=-days)
    _apprenticeship(acme, standard, apprentice, mentor, scan=False, start_date=start)
    reminder = {("apprentice@example.com", Kind.SCAN_NOT_STARTED)}
    assert _sent() == (reminder if sent else set())
    assert _sent(TODAY + timedelta(days=1)) == (set() if sent else reminder)
    assert _sent(TODAY + timedelta(days=30)) == set()  # once


def test_a_draft_scan_is_a_scan_started(quiet):
    assert Tally.objects.get(pk=quiet.pk).latest_scan_status is None
    assert (
        _sent(TODAY + timedelta(days=60))
        - {
            ("apprentice@example.com", Kind.REVIEW_DUE),
            ("mentor@example.com", Kind.REVIEW_DUE),
        }
        == set()
    )


@pytest.mark.parametrize(("weeks", "interval"), [(26, None), (8, 8)])
def test_review_scan_due_after_the_organisations_interval(
    acme, standard, apprentice, mentor, weeks, interval
):
    if interval:
        Organisation.objects.filter(pk=acme.pk).update(scan_interval_weeks=interval)
    apprenticeship = _apprenticeship(
        acme, standard, apprentice, mentor, scan=False, start_date=TODAY - timedelta(days=400)
    )
    validated = TODAY - timedelta(weeks=weeks)
    make_scan(apprenticeship, status="validated", validated_at=at(validated))
    assert _sent(TODAY - timedelta(days=1)) == set()
    assert _sent() == {("apprentice@example.com", Kind.SCAN_DUE)}
    assert _sent(TODAY + timedelta(days=5)) == set()
    assert Sent.objects.get(kind=Kind.SCAN_DUE).period == f"due {TODAY.isoformat()}"


def test_no_review_scan_due_once_a_newer_one_is_started(acme, standard, apprentice, mentor):
    apprenticeship = _apprenticeship(acme, standard, apprentice, mentor, scan=False)
    make_scan(apprenticeship, status="validated", validated_at=at(TODAY - timedelta(weeks=30)))
    make_scan(apprenticeship, stage="review")  # a draft
    assert _sent() == set()


# --- who, and whether ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["withdrawn", "paused"])
def test_no_reminders_once_withdrawn_or_paused(acme, standard, apprentice, mentor, manager, status):
    apprenticeship = _apprenticeship(
        acme, standard, apprentice, mentor, review_on=TODAY - timedelta(days=3), scan=False
    )
    _waiting(apprenticeship, FRI - timedelta(days=14))
    assert len(_sent(TODAY - timedelta(days=1))) > 0
    # Withdrawn after the run was scheduled, before it runs: it reads the status now.
    apprenticeship_status_change(
        apprenticeship=apprenticeship, to=status, by=manager, reason="Test"
    )
    assert _sent(TODAY + timedelta(days=14)) == set()


def _finished(acme, standard, apprentice, mentor, status):
    """An apprenticeship at ``status`` (gateway or completed) from the start, with a review
    overdue, no scan, and evidence waiting."""
    apprenticeship = _apprenticeship(
        acme,
        standard,
        apprentice,
        mentor,
        review_on=TODAY - timedelta(days=3),
        scan=False,
        status=status,
    )
    _waiting(apprenticeship, FRI - timedelta(days=3))
    return apprenticeship


def test_a_completed_apprenticeship_gets_nothing(acme, standard, apprentice, mentor):
    _finished(acme, standard, apprentice, mentor, Apprenticeship.Status.COMPLETED)
    assert _sent() == set()


def test_at_gateway_only_waiting_evidence_is_reminded(acme, standard, apprentice, mentor):
    _finished(acme, standard, apprentice, mentor, Apprenticeship.Status.GATEWAY)
    assert _sent() == {("mentor@example.com", Kind.EVIDENCE_WAITING)}


def test_a_pending_apprenticeship_gets_nothing(acme, standard, mentor):
    apprenticeship = ApprenticeshipFactory(
        organisation=acme,
        standard=standard,
        apprentice=None,
        mentor=mentor,
        status=Apprenticeship.Status.PENDING,
        start_date=TODAY - timedelta(days=200),
    )
    assert Tally.objects.get(pk=apprenticeship.pk).status == "pending"
    assert _sent() == set()


def test_an_inactive_user_gets_nothing_and_the_others_still_do(acme, standard, apprentice, mentor):
    _apprenticeship(acme, standard, apprentice, mentor, review_on=TODAY + timedelta(days=2))
    type(apprentice).objects.filter(pk=apprentice.pk).update(is_active=False)
    assert _sent() == {("mentor@example.com", Kind.REVIEW_DUE)}


def test_an_unverified_address_gets_the_inbox_item_but_no_email(acme, standard, mentor):
    from tests.factories import UserFactory

    unverified = UserFactory(email="unverified@example.com")
    _apprenticeship(acme, standard, unverified, mentor, review_on=TODAY + timedelta(days=2))
    assert ("unverified@example.com", Kind.REVIEW_DUE) in _sent()
    assert [email.to for email in mail.outbox] == [["mentor@example.com"]]


def test_a_person_who_switched_a_kind_off_gets_nothing(acme, standard, apprentice, mentor):
    from notify.models import Preference

    Preference.objects.create(user=mentor, kind=Kind.REVIEW_DUE, channel="off")
    _apprenticeship(acme, standard, apprentice, mentor, review_on=TODAY + timedelta(days=2))
    assert _sent() == {("apprentice@example.com", Kind.REVIEW_DUE)}


def test_a_second_apprentice_of_the_same_mentor_is_a_second_line(
    acme, standard, apprentice, mentor
):
    _apprenticeship(acme, standard, apprentice, mentor, review_on=TODAY + timedelta(days=2))
    other = verified_user("second@example.com", "Sid Second")
    _apprenticeship(acme, standard, other, mentor, review_on=TODAY + timedelta(days=3))
    send_reminders(today=TODAY)
    to_mentor = [email for email in mail.outbox if email.to == ["mentor@example.com"]]
    assert len(to_mentor) == 1
    assert to_mentor[0].subject == "2 progress reviews are due within 7 days"
    assert "Alex Apprentice's progress review" in to_mentor[0].body
    assert "Sid Second's progress review" in to_mentor[0].body
    own = [email for email in mail.outbox if email.to == ["apprentice@example.com"]]
    assert own[0].subject.startswith("Your progress review is due on")
