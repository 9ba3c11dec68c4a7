"""Each immediate notification, set off through the real service: who gets the inbox item and
the e-mail, who does not (the person who acted, another organisation's people, a mentor whose
membership ended, an inactive user), the words, and the absolute link to the page to act on.
Duties, reviews, invitations and status changes are in test_events_records."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Apprenticeship, Membership
from notify.models import Notification
from skillscan.services import employer_review_save, scan_submit
from tests.conftest import verified_user
from tests.factories import EvidenceFactory, MembershipFactory, make_scan
from tracker.models import EvidenceFeedback
from tracker.services import evidence_comment, evidence_decide, evidence_submit

pytestmark = pytest.mark.django_db


def told(kind):
    """{recipient's e-mail address: inbox item} of ``kind``."""
    return {n.recipient.email: n for n in Notification.objects.filter(kind=kind)}


def mail_to(mailoutbox, address):
    (message,) = [m for m in mailoutbox if m.to == [address]]
    return message


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def assert_mailed(mailoutbox, item, path):
    """The e-mail of the inbox item: its title as subject, the absolute link to ``path``, and
    the one-click unsubscribe headers."""
    assert item.url == path
    message = mail_to(mailoutbox, item.recipient.email)
    assert message.subject == item.title
    assert absolute(path) in message.body
    assert f'href="{absolute(path)}"' in message.alternatives[0].content
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert item.email.about is not None
    return message


@pytest.fixture
def outsiders(globex_apprenticeship, other_manager, other_apprentice):
    """People of another organisation and an apprentice of another apprenticeship: never told."""
    return {other_manager.email, other_apprentice.email, "globex.apprentice@example.com"}


# --- skills scans -----------------------------------------------------------------------------


def test_a_submitted_scan_tells_the_mentor_only(
    apprenticeship, apprentice, mentor, manager, outsiders, mailoutbox
):
    scan = make_scan(apprenticeship)
    scan_submit(scan=scan, user=apprentice)
    items = told("scan_submitted")
    assert set(items) == {mentor.email}
    item = items[mentor.email]
    assert item.title == "Alex Apprentice submitted their initial skills scan"
    assert (item.actor, item.apprenticeship, item.for_digest) == (apprentice, apprenticeship, False)
    assert "validate it" in item.body
    assert_mailed(mailoutbox, item, reverse("progress:scan-validate", kwargs={"pk": scan.pk}))
    assert item.email.about == scan and item.email.sender == apprentice
    assert len(mailoutbox) == 1


def test_a_mentor_whose_membership_ended_is_not_told_the_managers_are(
    apprenticeship, apprentice, mentor, manager, mailoutbox
):
    Membership.objects.filter(user=mentor).delete()
    scan_submit(scan=make_scan(apprenticeship), user=apprentice)
    assert set(told("scan_submitted")) == {manager.email}
    assert [m.to for m in mailoutbox] == [[manager.email]]


def test_an_inactive_mentor_is_not_told(apprenticeship, apprentice, mentor, manager, mailoutbox):
    mentor.is_active = False
    mentor.save(update_fields=["is_active"])
    scan_submit(scan=make_scan(apprenticeship), user=apprentice)
    assert set(told("scan_submitted")) == {manager.email}


def test_a_validated_scan_tells_the_apprentice_how_many_disagreements(
    apprenticeship, apprentice, mentor, manager, outsiders, mailoutbox
):
    # The apprentice rates K1 and S1 2 and K2 3: 4 is a disagreement, 2 against 3 is not.
    scan = make_scan(apprenticeship, status="submitted", employer={"K1": 4, "K2": 2, "S1": 4})
    employer_review_save(scan=scan, user=mentor, reviews={}, validate=True)
    items = told("scan_validated")
    assert set(items) == {apprentice.email}
    item = items[apprentice.email]
    assert item.title == "Your initial skills scan is validated"
    assert "Mina Mentor validated the initial skills scan with 2 disagreements" in item.body
    assert_mailed(mailoutbox, item, reverse("skillscan:scan-results", kwargs={"pk": scan.pk}))


def test_a_scan_validated_without_disagreements_says_so(apprenticeship, apprentice, manager):
    scan = make_scan(apprenticeship, status="submitted")
    employer_review_save(scan=scan, user=manager, reviews={}, validate=True)
    (item,) = told("scan_validated").values()
    assert "with no disagreements" in item.body and item.actor == manager


def test_saving_a_review_without_validating_tells_nobody(apprenticeship, mentor):
    scan = make_scan(apprenticeship, status="submitted")
    employer_review_save(scan=scan, user=mentor, reviews={}, validate=False)
    assert not Notification.objects.exists()


# --- evidence ---------------------------------------------------------------------------------


@pytest.fixture
def evidence(apprenticeship, standard):
    return EvidenceFactory(
        apprenticeship=apprenticeship,
        title="Pipeline rebuild",
        status="submitted",
        ksbs=list(standard.ksbs.all()[:2]),
    )


def test_submitted_evidence_tells_the_mentor(
    apprenticeship, standard, apprentice, mentor, manager, outsiders, mailoutbox
):
    draft = EvidenceFactory(
        apprenticeship=apprenticeship, title="Pipeline rebuild", ksbs=[standard.ksbs.first()]
    )
    evidence_submit(evidence=draft, user=apprentice)
    items = told("evidence_submitted")
    assert set(items) == {mentor.email}
    assert items[mentor.email].title == "Alex Apprentice submitted evidence “Pipeline rebuild”"
    assert_mailed(mailoutbox, items[mentor.email], draft.get_absolute_url())


def test_accepted_evidence_tells_the_apprentice_with_the_ksbs_not_accepted(
    evidence, apprentice, mentor, manager, outsiders, mailoutbox
):
    first, second = evidence.ksbs.order_by("pk")
    evidence_decide(
        evidence=evidence,
        user=manager,
        decision="accepted",
        comment="Good work.",
        ksb_outcomes={first.pk: (True, ""), second.pk: (False, "Not shown")},
    )
    items = told("evidence_accepted")
    assert set(items) == {apprentice.email}
    item = items[apprentice.email]
    assert item.title == "Your evidence “Pipeline rebuild” is accepted"
    assert item.body == (
        "Morgan Manager accepted the evidence (1 of its 2 KSBs accepted). Their comment: Good work."
    )
    assert_mailed(mailoutbox, item, evidence.get_absolute_url())


def test_changes_asked_for_tell_the_apprentice_with_the_comment(
    evidence, apprentice, mentor, outsiders, mailoutbox
):
    evidence_decide(
        evidence=evidence, user=mentor, decision="changes_requested", comment="Link the run."
    )
    items = told("evidence_changes")
    assert set(items) == {apprentice.email} and not told("evidence_accepted")
    item = items[apprentice.email]
    assert item.title == "Changes asked for on your evidence “Pipeline rebuild”"
    assert "Their comment: Link the run." in item.body
    message = assert_mailed(mailoutbox, item, evidence.get_absolute_url())
    assert "Link the run." in message.body


def test_a_reply_by_the_apprentice_tells_the_mentor_and_a_manager_on_the_thread(
    evidence, acme, apprentice, mentor, manager, outsiders, mailoutbox
):
    elsewhere = verified_user("elsewhere@example.com", "Eli Elsewhere")
    MembershipFactory(user=elsewhere, organisation=acme, role="manager")
    third = verified_user("third@example.com", "Tia Third")
    MembershipFactory(user=third, organisation=acme, role="mentor")
    EvidenceFeedback.objects.create(
        evidence=evidence, author=manager, decision="comment", comment="Which run?"
    )
    evidence_comment(evidence=evidence, user=apprentice, comment="The nightly one.")
    items = told("evidence_reply")
    # The manager wrote on it; another manager and a mentor who did not, and the writer, are
    # not told.
    assert set(items) == {mentor.email, manager.email}
    item = items[mentor.email]
    assert item.title == "Alex Apprentice replied on their evidence “Pipeline rebuild”"
    assert item.body == "Alex Apprentice wrote: The nightly one."
    assert_mailed(mailoutbox, item, evidence.get_absolute_url())


def test_a_reply_by_the_mentor_tells_the_apprentice_not_the_mentor(
    evidence, apprentice, mentor, manager, outsiders
):
    evidence_comment(evidence=evidence, user=mentor, comment="Add the log.")
    (item,) = told("evidence_reply").values()
    assert item.recipient == apprentice
    assert item.title == "Mina Mentor replied on your evidence “Pipeline rebuild”"


def test_a_reply_without_a_mentor_tells_the_managers(
    evidence, apprenticeship, apprentice, manager, mentor
):
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(mentor=None)
    evidence_comment(evidence=evidence, user=apprentice, comment="Ready again.")
    assert set(told("evidence_reply")) == {manager.email}
