"""The dashboard's stored figures stay exactly what the rule book computes from the records,
after every kind of change (tally_check recomputes them all and lists the differences)."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Apprenticeship
from progress.models import Tally
from progress.tally import STORED, tally_check, tally_refresh
from skillscan.services import employer_review_save, ratings_save, scan_start, scan_submit
from standards.models import KSB
from tests.factories import ApprenticeshipFactory, EvidenceFactory, KSBFactory, make_scan
from tracker.services import (
    duty_sign_off,
    duty_sign_off_undo,
    evidence_decide,
    evidence_delete,
    evidence_save,
    evidence_submit,
    progress_review_save,
    progress_review_sign,
    unevidenced_ksbs_of,
)

pytestmark = pytest.mark.django_db


def _exact():
    assert tally_check() == []


def _tally(apprenticeship):
    return Tally.objects.get(apprenticeship=apprenticeship)


def test_a_new_apprenticeship_is_tallied_at_once(apprenticeship):
    tally = _tally(apprenticeship)
    assert tally.ksbs_total == apprenticeship.standard.ksbs.count() > 0
    assert tally.duties_total == apprenticeship.standard.duties.count() > 0
    assert (tally.ksbs_covered, tally.accepted_hundredths, tally.evidence_waiting) == (0, 0, 0)
    assert tally.latest_scan_status is None
    assert tally.last_activity == apprenticeship.created_at
    _exact()


def test_evidence_through_its_whole_life(apprenticeship, apprentice, mentor):
    ksbs = list(apprenticeship.standard.ksbs.all()[:2])
    fields = {
        "title": "Built the pipeline",
        "description": "What was done.",
        "occurred_on": date.today() - timedelta(days=3),
        "activity_type": "project_work",
        "off_the_job_hours": Decimal("2.25"),
        "url": "",
    }
    evidence = evidence_save(
        user=apprentice, apprenticeship=apprenticeship, fields=fields, ksbs=ksbs
    )
    _exact()
    evidence_submit(evidence=evidence, user=apprentice)
    assert _tally(apprenticeship).evidence_waiting == 1
    _exact()
    evidence_decide(evidence=evidence, user=mentor, decision="changes_requested", comment="More")
    assert _tally(apprenticeship).evidence_waiting == 0
    _exact()
    evidence = evidence_save(user=apprentice, evidence=evidence, fields=fields, ksbs=ksbs[:1])
    evidence_submit(evidence=evidence, user=apprentice)
    evidence_decide(evidence=evidence, user=mentor, decision="accepted", comment="")
    tally = _tally(apprenticeship)
    assert (tally.ksbs_covered, tally.accepted_hundredths) == (1, 225)
    _exact()

    draft = evidence_save(user=apprentice, apprenticeship=apprenticeship, fields=fields, ksbs=ksbs)
    evidence_delete(evidence=draft, user=apprentice)
    _exact()


def test_evidence_accepted_for_some_of_its_ksbs_withdrawn_and_commented(
    apprenticeship, apprentice, mentor
):
    """Issue 12: a decision that accepts two of three KSBs counts two, a withdrawal leaves the
    queue, a comment changes no figure; the stored tally follows each."""
    from tracker.services import evidence_comment, evidence_withdraw

    ksbs = list(apprenticeship.standard.ksbs.all()[:3])
    evidence = EvidenceFactory(apprenticeship=apprenticeship, ksbs=ksbs)
    evidence_submit(evidence=evidence, user=apprentice)
    assert _tally(apprenticeship).evidence_waiting == 1
    evidence_withdraw(evidence=evidence, user=apprentice)
    assert _tally(apprenticeship).evidence_waiting == 0
    _exact()
    evidence_submit(evidence=evidence, user=apprentice)
    evidence_comment(evidence=evidence, user=mentor, comment="Is the run linked?")
    _exact()
    evidence_decide(
        evidence=evidence,
        user=mentor,
        decision="accepted",
        comment="",
        ksb_outcomes={
            ksbs[0].pk: (True, ""),
            ksbs[1].pk: (False, "Not shown"),
            ksbs[2].pk: (True, ""),
        },
    )
    tally = _tally(apprenticeship)
    assert (tally.ksbs_covered, tally.evidence_waiting) == (2, 0)
    assert tally.accepted_hundredths == 250  # the hours of the piece count whole
    _exact()


def test_linking_evidence_from_either_side(apprenticeship):
    evidence = EvidenceFactory(apprenticeship=apprenticeship, status="accepted")
    first, second = apprenticeship.standard.ksbs.all()[:2]
    accepted = {"accepted": True}
    evidence.ksbs.add(first, through_defaults=accepted)
    assert _tally(apprenticeship).ksbs_covered == 1
    second.evidence.add(evidence, through_defaults=accepted)
    assert _tally(apprenticeship).ksbs_covered == 2
    second.evidence.clear()
    assert _tally(apprenticeship).ksbs_covered == 1
    evidence.ksbs.clear()
    assert _tally(apprenticeship).ksbs_covered == 0
    _exact()


def test_sign_offs_and_their_undoing(apprenticeship, mentor):
    duty = apprenticeship.standard.duties.first()
    missing = [ksb.pk for ksb in unevidenced_ksbs_of(apprenticeship, duty)]
    duty_sign_off(
        apprenticeship=apprenticeship,
        duty=duty,
        user=mentor,
        note="Seen it",
        unevidenced=missing,
        reason="Seen at work",
    )
    assert _tally(apprenticeship).duties_signed == 1
    duty_sign_off_undo(apprenticeship=apprenticeship, duty=duty, user=mentor, reason="Too soon")
    assert _tally(apprenticeship).duties_signed == 0
    _exact()


def test_a_scan_from_start_to_validation(apprenticeship, apprentice, mentor):
    scan = scan_start(apprenticeship=apprenticeship, user=apprentice, stage="initial")
    _exact()
    before = _tally(apprenticeship).last_activity
    ksbs = list(apprenticeship.standard.ksbs.all())
    ratings_save(scan=scan, user=apprentice, ratings={ksb.pk: (2, "") for ksb in ksbs})
    assert _tally(apprenticeship).last_activity > before
    _exact()
    scan_submit(scan=scan, user=apprentice)
    tally = _tally(apprenticeship)
    assert (tally.scan_waiting, tally.latest_scan_status) == (True, "submitted")
    _exact()
    employer_review_save(scan=scan, user=mentor, reviews={}, validate=True)
    tally = _tally(apprenticeship)
    assert (tally.scan_waiting, tally.latest_scan_status) == (False, "validated")
    _exact()


def test_reviews_recorded_and_signed(apprenticeship, apprentice, mentor):
    review = progress_review_save(
        user=mentor,
        apprenticeship=apprenticeship,
        fields={
            "held_on": date.today() - timedelta(days=1),
            "next_due_on": date.today() + timedelta(days=30),
            "progress": "Good.",
            "actions": "More.",
        },
    )
    assert _tally(apprenticeship).review_due_on == date.today() + timedelta(days=30)
    progress_review_sign(review=review, user=mentor)
    progress_review_sign(review=review, user=apprentice, comment="Agreed.")
    assert _tally(apprenticeship).latest_review_signed is True
    _exact()


def test_a_change_to_the_standard_reaches_every_apprenticeship_on_it(apprenticeship, acme):
    other = ApprenticeshipFactory(standard=apprenticeship.standard, organisation=acme)
    ksb = KSBFactory(standard=apprenticeship.standard, kind="K", number=99)
    assert {_tally(apprenticeship).ksbs_total, _tally(other).ksbs_total} == {
        apprenticeship.standard.ksbs.count()
    }
    duty = apprenticeship.standard.duties.first()
    duty.ksbs.add(ksb)
    ksb.delete()
    duty.delete()
    _exact()


def test_an_apprenticeship_and_its_records_can_be_deleted(apprenticeship):
    EvidenceFactory(apprenticeship=apprenticeship, status="submitted")
    make_scan(apprenticeship, status="submitted")
    apprenticeship.delete()
    assert not Tally.objects.exists()


def test_the_check_finds_a_write_that_bypassed_the_tally(apprenticeship):
    """The safety net can fail: a bulk update sends no signal, so until tally_refresh runs the
    stored figure is stale, and the check says which and how."""
    evidence = EvidenceFactory(apprenticeship=apprenticeship, status="submitted")
    type(evidence).objects.filter(pk=evidence.pk).update(status="accepted")
    assert (apprenticeship.pk, "evidence_waiting", 1, 0) in tally_check()
    with pytest.raises(CommandError, match="evidence_waiting"):
        call_command("tally", "--check", stdout=io.StringIO())
    tally_refresh([apprenticeship.pk])
    _exact()
    call_command("tally", "--check", stdout=io.StringIO())


def test_the_command_rebuilds_missing_tallies(apprenticeship):
    Tally.objects.all().delete()
    assert {name for _, name, _, _ in tally_check()} == set(STORED)
    call_command("tally", "--refresh", stdout=io.StringIO())
    _exact()


def test_the_demo_world_is_tallied_exactly():
    call_command("seed_demo", apprentices=5, force=True, stdout=io.StringIO())
    assert Tally.objects.count() == Apprenticeship.objects.count() > 5
    _exact()


def test_refreshing_nothing_is_free(django_assert_num_queries):
    with django_assert_num_queries(0):
        tally_refresh([])
    assert KSB.objects.count() == 0


def test_a_bulk_edit_of_a_standard_is_tallied_once_it_is_stamped(apprenticeship):
    """The importer writes KSBs in bulk (no signals) and then stamps the standard, which is
    what tells the tallies."""
    standard = apprenticeship.standard
    KSB.objects.bulk_create([KSB(standard=standard, kind="S", number=90)])
    assert tally_check() == [
        (apprenticeship.pk, "ksbs_total", standard.ksbs.count() - 1, standard.ksbs.count())
    ]
    type(standard).objects.filter(pk=standard.pk).mark_content_changed()
    _exact()


def test_what_the_dashboard_copies_follows_the_apprenticeship(
    apprenticeship, manager, mentor, apprentice
):
    """Who may see it and what it sorts on are copied into the tally; each way they change
    reaches it: the status service (a queryset update that says so), an edit, a mentor who
    deletes their account, the apprentice's own account."""
    from accounts.services import user_delete_account
    from accounts.status import apprenticeship_status_change

    tally = _tally(apprenticeship)
    assert (tally.status, tally.apprentice_id, tally.mentor_id) == (
        "active",
        apprentice.pk,
        mentor.pk,
    )
    assert (tally.organisation_id, tally.standard_id) == (
        apprenticeship.organisation_id,
        apprenticeship.standard_id,
    )
    apprenticeship_status_change(
        apprenticeship=apprenticeship, to="paused", by=manager, reason="Leave"
    )
    assert _tally(apprenticeship).status == "paused"
    _exact()
    apprenticeship.refresh_from_db()
    apprenticeship.start_date -= timedelta(days=30)
    apprenticeship.save()
    assert _tally(apprenticeship).start_date == apprenticeship.start_date
    _exact()
    user_delete_account(user=mentor)
    assert _tally(apprenticeship).mentor_id is None
    _exact()


def test_the_apprentices_name_reaches_the_tally_but_a_login_costs_nothing(
    apprenticeship, apprentice, django_assert_num_queries
):
    apprentice.full_name = "Zed Zebra"
    apprentice.save()
    assert _tally(apprenticeship).apprentice_full_name == "Zed Zebra"
    _exact()
    with django_assert_num_queries(1):  # the UPDATE of last_login alone
        apprentice.save(update_fields=["last_login"])


def test_a_standards_new_reference_reaches_the_tally(apprenticeship, django_assert_num_queries):
    standard = apprenticeship.standard
    standard.version = "1.1"
    standard.save()
    assert _tally(apprenticeship).standard_version == "1.1"
    _exact()
    standard.title = "A new title"
    # The save, its history row (the admin's History page), and finding no tally to refresh.
    with django_assert_num_queries(3):
        standard.save()


def test_a_tally_write_moves_the_stamps_of_the_organisations_it_leaves_and_joins(
    apprenticeship, globex
):
    from progress.models import OrganisationStamp

    def version(organisation):
        stamp = OrganisationStamp.objects.filter(pk=organisation.pk).first()
        return stamp.version if stamp else 0

    acme = apprenticeship.organisation
    before = version(acme), version(globex)
    apprenticeship.organisation = globex
    apprenticeship.mentor = None
    apprenticeship.save()
    assert version(acme) == before[0] + 1 and version(globex) == before[1] + 1
    apprenticeship.delete()
    assert version(globex) == before[1] + 2
