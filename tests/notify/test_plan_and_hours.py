"""Who is told about a training plan (to sign, signed by all) and about timesheet hours (waiting
for a decision, accepted or returned), in which words; never the person who acted."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from accounts.models import Membership
from notify.models import Notification
from tests.conftest import verified_user
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    MembershipFactory,
    PartnershipFactory,
    ProviderFactory,
    make_scan,
)
from tracker.plans import plan_activity_change, plan_sign, propose_plan
from tracker.services.hours import timesheet_decide, timesheet_log

YESTERDAY = date.today() - timedelta(days=1)


@pytest.fixture
def tutor(acme):
    northwind = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=northwind)
    user = verified_user("tutor@example.com", "Tara Tutor")
    MembershipFactory(user=user, organisation=northwind, role=Membership.Role.TUTOR)
    return user


@pytest.fixture
def delivered(acme, tutor, mentor, apprentice, standard):
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice,
        organisation=acme,
        mentor=mentor,
        provider=tutor.memberships.get().organisation,
        tutor=tutor,
        standard=standard,
    )
    make_scan(apprenticeship, status="validated", scores={"K1": 0})
    return apprenticeship


def told(kind):
    """{recipient's e-mail: title} of the inbox items of ``kind``."""
    items = Notification.objects.filter(kind=kind).select_related("recipient")
    return {item.recipient.email: item.title for item in items}


def test_a_proposed_plan_goes_to_the_parties_but_the_proposer(delivered, tutor):
    propose_plan(delivered, tutor)
    assert told("plan_to_sign") == {
        "apprentice@example.com": "Your training plan is ready for you to sign",
        "mentor@example.com": "Alex Apprentice's training plan is ready to sign",
    }
    body = Notification.objects.filter(kind="plan_to_sign").first().body
    assert body.startswith("Tara Tutor proposed a training plan from the skills scan.")


def test_each_signature_tells_those_yet_to_sign_and_the_last_tells_everyone(
    delivered, tutor, mentor, apprentice
):
    plan = propose_plan(delivered, tutor)
    Notification.objects.all().delete()
    plan_sign(plan=plan, by=apprentice)
    assert set(told("plan_to_sign")) == {"mentor@example.com", "tutor@example.com"}
    Notification.objects.all().delete()
    plan_sign(plan=plan, by=mentor)
    assert set(told("plan_to_sign")) == {"tutor@example.com"}
    Notification.objects.all().delete()
    plan_sign(plan=plan, by=tutor)
    assert not told("plan_to_sign")
    assert told("plan_agreed") == {
        "apprentice@example.com": "Your training plan is signed by all",
        "mentor@example.com": "Alex Apprentice's training plan is signed by all",
    }


def test_a_change_that_voids_signatures_asks_everyone_again(delivered, tutor, apprentice):
    plan = propose_plan(delivered, tutor)
    activity = plan.activities.first()
    fields = {
        "title": activity.title,
        "kind": activity.kind,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "planned_hours": activity.planned_hours,
    }
    plan_activity_change(activity=activity, by=tutor, fields={**fields, "title": "A"}, ksbs=[])
    assert (
        not Notification.objects.filter(kind="plan_to_sign")
        .exclude(body__startswith="Tara Tutor proposed")
        .exists()
    )  # nobody had signed: nothing voided, nobody asked again
    plan_sign(plan=plan, by=apprentice)
    Notification.objects.all().delete()
    plan_activity_change(activity=activity, by=tutor, fields={**fields, "title": "B"}, ksbs=[])
    assert set(told("plan_to_sign")) == {"apprentice@example.com", "mentor@example.com"}
    assert "changed the training plan after it was signed" in (
        Notification.objects.filter(kind="plan_to_sign").first().body
    )


@pytest.mark.parametrize(
    ("decisions_by", "deciders"),
    [
        ("employer", {"mentor@example.com"}),
        ("provider", {"tutor@example.com"}),
        ("either", {"mentor@example.com", "tutor@example.com"}),
    ],
)
def test_logged_hours_go_to_the_party_that_decides(delivered, apprentice, decisions_by, deciders):
    delivered.organisation.decisions_by = decisions_by
    delivered.organisation.save()
    timesheet_log(
        user=apprentice, apprenticeship=delivered, on=YESTERDAY, hours=Decimal(1), activity="Lab"
    )
    assert set(told("hours_submitted")) == deciders
    item = Notification.objects.get(kind="hours_submitted", recipient__email=min(deciders))
    assert item.title == "Alex Apprentice logged off-the-job hours"
    assert item.body.startswith("Logged: 1 hour on ")
    assert item.url.endswith(f"/apprenticeships/{delivered.pk}/hours/#timesheet-heading")
    assert item.for_digest  # in the digest by default: a line a day would be many e-mails
    assert not mail.outbox


def test_the_apprentice_hears_of_the_decision_with_the_comment(delivered, apprentice, mentor):
    entry = timesheet_log(
        user=apprentice,
        apprenticeship=delivered,
        on=YESTERDAY,
        hours=Decimal("2.5"),
        activity="Lab",
    )
    timesheet_decide(user=mentor, entry=entry, decision="returned", comment="Which lab?")
    assert told("hours_decided") == {"apprentice@example.com": "Your timesheet hours are returned"}
    body = Notification.objects.get(kind="hours_decided").body
    assert body.startswith("Mina Mentor returned 2.5 hours on ")
    assert body.endswith("Their comment: Which lab?")
    assert [message.to for message in mail.outbox] == [["apprentice@example.com"]]


def test_an_apprenticeship_without_a_provider_asks_the_employer_alone(
    apprenticeship, apprentice, mentor
):
    make_scan(apprenticeship, status="validated", scores={"K1": 0})
    EvidenceFactory(apprenticeship=apprenticeship, status="accepted")
    plan = propose_plan(apprenticeship, mentor)
    assert set(told("plan_to_sign")) == {"apprentice@example.com"}
    plan_sign(plan=plan, by=apprentice)
    assert set(told("plan_to_sign")) == {"apprentice@example.com", "mentor@example.com"}
