"""The training plan: its proposal from a hand-built scan (which KSBs, which kinds, dates and
hours), changes in words, signatures and their voiding, evidence from an activity, and the
pages' answers to other people and to bad input."""

import itertools
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Apprenticeship, Membership
from accounts.permissions import NotAllowed
from tests.conftest import verified_user
from tests.factories import (
    EvidenceFactory,
    MembershipFactory,
    PartnershipFactory,
    ProviderFactory,
    make_scan,
    make_standard,
)
from tracker.models import Evidence, PlanActivity, PlanChange, PlanSignature
from tracker.plan_proposal import KSBS_PER_ACTIVITY, gap_ksbs, plan_proposal
from tracker.plans import (
    activity_to_evidence,
    current_plan,
    plan_activity_add,
    plan_activity_change,
    plan_activity_remove,
    plan_sign,
    plan_state,
    propose_plan,
)
from tracker.services import TrackerError

pytestmark = pytest.mark.django_db

TODAY = date(2027, 1, 4)


def ksb(pk, code, duties=()):
    return SimpleNamespace(
        pk=pk,
        kind=code[0],
        number=int(code[1:]),
        code=code,
        duty_list=[SimpleNamespace(number=n) for n in duties],
    )


# --- the proposal, by hand ------------------------------------------------------------------

HAND = [
    ksb(1, "K1", [1]),
    ksb(2, "K2", [1]),
    ksb(3, "K3", [2]),
    ksb(4, "S1", [2]),
    ksb(5, "S2", [2]),
    ksb(6, "B1"),
    ksb(7, "B2", [3]),
    ksb(8, "B3", [3]),
    ksb(9, "K4", [1]),
]
SCORES = {1: 0, 2: 1, 3: 2, 4: 1, 5: 0, 6: 1, 7: 0, 9: 2}  # B3 not rated
EVIDENCED = {3, 5, 8}  # K3, S2 and B3 have accepted evidence


def test_gaps_are_scores_0_and_1_and_whatever_has_no_accepted_evidence():
    codes = [k.code for k in gap_ksbs(HAND, SCORES, EVIDENCED)]
    # K2 at 1 is in; K3 at 2 with accepted evidence is out, K4 at 2 without is in; S2 at 0 is
    # in though evidenced; B3 unrated but evidenced is out.
    assert codes == ["K1", "K2", "S1", "S2", "B1", "B2", "K4"]
    assert [k.code for k in gap_ksbs(HAND, {}, set())] == [k.code for k in HAND]
    assert gap_ksbs(HAND, dict.fromkeys(range(1, 10), 2), set(range(1, 10))) == []


def test_the_proposal_groups_by_kind_and_duty_with_a_kind_each():
    proposed = plan_proposal(
        HAND, SCORES, EVIDENCED, start=TODAY, end=TODAY + timedelta(days=99), hours=100
    )
    summary = [(p.kind, [k.code for k in p.ksbs]) for p in proposed]
    # The lowest score first, then knowledge, skills, behaviours; behaviours alternate
    # mentoring and shadowing.
    assert summary == [
        ("course", ["K1", "K2", "K4"]),
        ("project", ["S1", "S2"]),
        ("mentoring", ["B2"]),
        ("shadowing", ["B1"]),
    ]
    assert proposed[0].title == "Course on K1, K2, K4 (duty 1)"
    assert proposed[3].title == "Shadowing for B1"


def test_the_proposal_dates_follow_each_other_from_start_to_end():
    end = TODAY + timedelta(days=99)
    proposed = plan_proposal(HAND, SCORES, EVIDENCED, start=TODAY, end=end, hours=100)
    assert proposed[0].starts_on == TODAY
    assert proposed[-1].ends_on == end
    for before, after in itertools.pairwise(proposed):
        assert after.starts_on == before.ends_on + timedelta(days=1)
        assert before.starts_on <= before.ends_on


def test_the_hours_cover_what_is_still_to_do_shared_by_ksbs():
    proposed = plan_proposal(
        HAND, SCORES, EVIDENCED, start=TODAY, end=TODAY + timedelta(days=99), hours=Decimal("100.5")
    )
    hours = [p.planned_hours for p in proposed]
    assert sum(hours) == 101  # rounded up to whole hours: the plan covers the remainder
    # 3, 2, 1 and 1 KSBs: 43.3, 28.9, 14.4, 14.4, rounded down and the 2 left to the largest
    # remainders (the first of two equal ones first).
    assert hours == [Decimal(43), Decimal(29), Decimal(15), Decimal(14)]


def test_no_gaps_no_activities_and_no_hours_left_plans_zero():
    every = set(range(1, 10))
    assert plan_proposal(HAND, {1: 3}, every, start=TODAY, end=TODAY, hours=50) == []
    proposed = plan_proposal(HAND, SCORES, EVIDENCED, start=TODAY, end=TODAY, hours=0)
    assert {p.planned_hours for p in proposed} == {Decimal(0)}
    assert {(p.starts_on, p.ends_on) for p in proposed} == {(TODAY, TODAY)}


def test_a_large_group_is_split():
    many = [ksb(i, f"K{i}", [1]) for i in range(1, 11)]
    proposed = plan_proposal(
        many,
        dict.fromkeys(range(1, 11), 0),
        set(),
        start=TODAY,
        end=TODAY + timedelta(300),
        hours=30,
    )
    assert [len(p.ksbs) for p in proposed] == [KSBS_PER_ACTIVITY, KSBS_PER_ACTIVITY, 2]


# --- stored -----------------------------------------------------------------------------------


@pytest.fixture
def scanned(apprenticeship):
    """A validated scan: K1 0, K2 1 (apprentice 3, employer 1), K3 2, S1 1, everything else 3;
    accepted evidence of every KSB but K1 and K2."""
    scores = {k.code: 3 for k in apprenticeship.standard.ksbs.all()}
    scores |= {"K1": 0, "K2": 3, "K3": 2, "S1": 1}
    make_scan(apprenticeship, status="validated", scores=scores, employer={"K2": 1})
    evidenced = [k for k in apprenticeship.standard.ksbs.all() if k.code not in ("K1", "K2")]
    evidence = EvidenceFactory(apprenticeship=apprenticeship, ksbs=evidenced, status="accepted")
    evidence.ksb_links.update(accepted=True)
    return apprenticeship


def test_propose_plan_reads_the_employers_score_and_accepted_evidence(scanned, mentor):
    plan = propose_plan(scanned, mentor)
    activities = list(plan.activities.prefetch_related("ksbs"))
    codes = sorted(k.code for a in activities for k in a.ksbs.all())
    # K2 by the employer's 1; S1 at 1 though evidenced; K3 at 2 and evidenced out.
    assert codes == ["K1", "K2", "S1"]
    assert activities[0].kind == "course"
    assert activities[0].starts_on == date.today()
    assert activities[-1].ends_on == scanned.planned_end_date
    remaining = scanned.otj_target_hours - Decimal("5")  # the factory's evidence hours
    assert sum(a.planned_hours for a in activities) >= remaining
    change = plan.changes.get()
    assert change.by == mentor and change.party == "employer"
    assert "2 activities for 3 KSBs" in change.what
    assert current_plan(scanned) == plan


def test_a_new_proposal_replaces_the_plan_only_when_confirmed(scanned, mentor, client):
    first = propose_plan(scanned, mentor)
    with pytest.raises(TrackerError, match="confirm to replace"):
        propose_plan(scanned, mentor)
    client.force_login(mentor)
    url = reverse("tracker:plan-propose", args=[scanned.pk])
    client.post(url)
    assert current_plan(scanned) == first
    client.post(url, {"confirm": "on"})
    assert current_plan(scanned) != first
    assert first.activities.exists()  # the earlier plan is kept as it was


def test_no_validated_scan_no_plan(apprenticeship, mentor):
    make_scan(apprenticeship, status="submitted")
    with pytest.raises(TrackerError, match="validated skills scan"):
        propose_plan(apprenticeship, mentor)


def test_the_apprentice_may_not_propose(scanned, apprentice):
    with pytest.raises(NotAllowed):
        propose_plan(scanned, apprentice)


FIELDS = {
    "title": "Docker course",
    "kind": "course",
    "starts_on": date.today(),
    "ends_on": date.today() + timedelta(days=10),
    "planned_hours": Decimal("12.5"),
}


def test_add_change_and_remove_are_recorded_in_words(scanned, mentor):
    plan = propose_plan(scanned, mentor)
    k1 = scanned.standard.ksbs.get(kind="K", number=1)
    activity = plan_activity_add(plan=plan, by=mentor, fields=FIELDS, ksbs=[k1])
    plan_activity_change(
        activity=activity, by=mentor, fields={**FIELDS, "planned_hours": Decimal(20)}, ksbs=[k1]
    )
    plan_activity_remove(activity=activity, by=mentor)
    words = list(PlanChange.objects.filter(activity=activity).values_list("what", flat=True))
    assert words[0].startswith("Added “Docker course” (course, ")
    assert "12.5 h, K1" in words[0]
    assert words[1] == "Changed “Docker course”: hours 12.5 → 20."
    assert words[2] == "Removed “Docker course”."
    activity.refresh_from_db()
    assert activity.removed_at is not None  # kept, never deleted


def test_dates_outside_the_programme_and_foreign_ksbs_are_refused(scanned, mentor):
    plan = propose_plan(scanned, mentor)
    late = {**FIELDS, "ends_on": scanned.planned_end_date + timedelta(days=1)}
    with pytest.raises(ValidationError) as caught:
        plan_activity_add(plan=plan, by=mentor, fields=late, ksbs=[])
    assert "ends_on" in caught.value.message_dict
    foreign = make_standard(reference="ST0001").ksbs.first()
    with pytest.raises(ValidationError):
        plan_activity_add(plan=plan, by=mentor, fields=FIELDS, ksbs=[foreign])


@pytest.fixture
def delivered(scanned, acme):
    northwind = ProviderFactory(name="Northwind Training")
    PartnershipFactory(employer=acme, provider=northwind)
    tutor = verified_user("tutor@example.com", "Tomi Tutor")
    MembershipFactory(user=tutor, organisation=northwind, role=Membership.Role.TUTOR)
    Apprenticeship.objects.filter(pk=scanned.pk).update(provider=northwind, tutor=tutor)
    scanned.refresh_from_db()
    scanned.tutor_user = tutor
    return scanned


def test_three_parties_sign_and_a_change_voids_them(delivered, apprentice, mentor):
    tutor = delivered.tutor_user
    plan = propose_plan(delivered, tutor)
    assert plan_state(plan) == "draft"
    plan_sign(plan=plan, by=apprentice)
    plan_sign(plan=plan, by=mentor)
    assert plan_state(plan) == "signing"
    with pytest.raises(TrackerError, match="already signed"):
        plan_sign(plan=plan, by=mentor)
    signature = plan_sign(plan=plan, by=tutor)
    assert signature.party == "provider" and "deliver the training" in signature.statement
    assert plan_state(plan) == "agreed"
    activity = plan.activities.first()
    plan_activity_change(
        activity=activity,
        by=mentor,
        fields={**FIELDS, "title": "Renamed"},
        ksbs=list(activity.ksbs.all()),
    )
    assert plan_state(plan) == "draft"
    voided = PlanSignature.objects.filter(plan=plan)
    assert voided.count() == 3
    assert all(s.voided_at and s.voided_by == mentor for s in voided)
    change = plan.changes.last()
    assert "voided the signatures of the apprentice and the employer and the training" in (
        change.what
    )
    plan_sign(plan=plan, by=apprentice)  # a new signature beside the voided one
    assert PlanSignature.objects.filter(plan=plan, voided_at__isnull=True).count() == 1


def test_two_parties_agree_without_a_provider(scanned, apprentice, mentor, superuser):
    plan = propose_plan(scanned, mentor)
    plan_sign(plan=plan, by=apprentice)
    plan_sign(plan=plan, by=mentor)
    assert plan_state(plan) == "agreed"
    with pytest.raises(NotAllowed):
        plan_sign(plan=plan, by=superuser)  # an admin signs for no party


def test_an_activity_becomes_a_draft_of_evidence(scanned, mentor, apprentice, client):
    plan = propose_plan(scanned, mentor)
    k1 = scanned.standard.ksbs.get(kind="K", number=1)
    start = date.today() - timedelta(days=20)
    fields = {**FIELDS, "starts_on": start, "ends_on": start + timedelta(days=5)}
    fields["planned_hours"] = Decimal(30)
    activity = plan_activity_add(plan=plan, by=mentor, fields=fields, ksbs=[k1])
    client.force_login(apprentice)
    url = reverse("tracker:plan-activity-evidence", args=[scanned.pk, activity.pk])
    response = client.post(url)
    activity.refresh_from_db()
    evidence = activity.evidence
    assert response.url == reverse("tracker:evidence-update", args=[evidence.pk])
    assert evidence.status == Evidence.Status.DRAFT
    assert evidence.title == "Docker course"
    assert evidence.activity_type == "training_course"
    assert list(evidence.ksbs.all()) == [k1]
    assert evidence.off_the_job_hours == 24  # one entry holds at most 24 hours
    assert evidence.occurred_on == start + timedelta(days=5)
    assert "log the rest" in evidence.description
    # Clicked again: the same draft.
    assert activity_to_evidence(activity, apprentice) == evidence
    assert Evidence.objects.filter(title="Docker course").count() == 1
    with pytest.raises(NotAllowed):
        activity_to_evidence(activity, mentor)


@pytest.mark.parametrize(("days", "becomes_evidence"), [(-1, True), (0, True), (1, False)])
def test_an_activity_becomes_evidence_once_it_has_started(
    scanned, mentor, apprentice, client, days, becomes_evidence
):
    plan = propose_plan(scanned, mentor)
    start = date.today() + timedelta(days=days)
    fields = {**FIELDS, "starts_on": start, "ends_on": start + timedelta(days=5)}
    activity = plan_activity_add(plan=plan, by=mentor, fields=fields, ksbs=[])
    client.force_login(apprentice)
    page = client.get(reverse("tracker:plan", args=[scanned.pk])).content.decode()
    button = reverse("tracker:plan-activity-evidence", args=[scanned.pk, activity.pk])
    assert (button in page) is becomes_evidence
    pieces = Evidence.objects.filter(apprenticeship=scanned).count()
    response = client.post(button, follow=True)
    activity.refresh_from_db()
    assert (activity.evidence_id is not None) is becomes_evidence
    if not becomes_evidence:
        assert "it becomes evidence once it has started" in response.content.decode()
        assert Evidence.objects.filter(apprenticeship=scanned).count() == pieces


def test_the_plan_page_for_others_is_a_404(
    scanned, mentor, other_manager, other_apprentice, client
):
    plan = propose_plan(scanned, mentor)
    activity = plan.activities.first()
    client.force_login(other_manager)
    assert client.get(reverse("tracker:plan", args=[scanned.pk])).status_code == 404
    client.force_login(other_apprentice)
    edit = reverse("tracker:plan-activity-edit", args=[scanned.pk, activity.pk])
    assert client.get(edit).status_code == 404


def test_an_activity_of_another_apprenticeship_is_a_404(
    scanned, mentor, manager, other_apprenticeship, client
):
    make_scan(other_apprenticeship, status="validated", scores={"K1": 0})
    theirs = propose_plan(other_apprenticeship, manager).activities.first()
    propose_plan(scanned, mentor)
    client.force_login(mentor)
    edit = reverse("tracker:plan-activity-edit", args=[scanned.pk, theirs.pk])
    assert client.get(edit).status_code == 404


def test_bad_input_shows_the_form_again_with_what_was_typed(scanned, mentor, client):
    propose_plan(scanned, mentor)
    client.force_login(mentor)
    url = reverse("tracker:plan-activity-add", args=[scanned.pk])
    bad = {
        "title": "Typed title",
        "kind": "course",
        "starts_on": (date.today() + timedelta(days=9)).isoformat(),
        "ends_on": date.today().isoformat(),
        "planned_hours": "5000",
        "ksbs": ["99999999999999999999"],
    }
    response = client.post(url, bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The activity ends on or after the day it starts." in html
    assert "Plan 0 to 2,000 hours." in html
    assert "Choose KSBs of the apprenticeship&#x27;s standard only." in html
    assert 'value="Typed title"' in html
    before = scanned.start_date - timedelta(days=1)
    response = client.post(url, {**bad, "starts_on": before.isoformat(), "ksbs": []})
    assert "Plan it within the programme" in response.content.decode()
    assert PlanActivity.objects.filter(title="Typed title").count() == 0


def test_the_empty_state_says_a_validated_scan_is_needed(apprenticeship, mentor, client):
    client.force_login(mentor)
    html = client.get(reverse("tracker:plan", args=[apprenticeship.pk])).content.decode()
    assert "a validated skills scan is needed first" in html
    assert "Propose a plan from the scan" not in html


# The plan page's queries: the same with one activity and one change as with nine and seventeen.
QUERIES = 12


def test_the_plan_page_reads_a_constant_number_of_queries(
    scanned, mentor, client, django_assert_num_queries
):
    plan = propose_plan(scanned, mentor)
    client.force_login(mentor)
    url = reverse("tracker:plan", args=[scanned.pk])
    with django_assert_num_queries(QUERIES):
        assert client.get(url).status_code == 200
    k1 = scanned.standard.ksbs.get(kind="K", number=1)
    for n in range(8):
        activity = plan_activity_add(
            plan=plan, by=mentor, fields={**FIELDS, "title": f"More {n}"}, ksbs=[k1]
        )
        plan_activity_change(
            activity=activity, by=mentor, fields={**FIELDS, "title": f"Still {n}"}, ksbs=[k1]
        )
    with django_assert_num_queries(QUERIES):
        html = client.get(url).content.decode()
    assert "Still 7" in html


def test_signing_needs_the_statement_ticked(scanned, mentor, client):
    propose_plan(scanned, mentor)
    client.force_login(mentor)
    url = reverse("tracker:plan-sign", args=[scanned.pk])
    page = client.get(reverse("tracker:plan", args=[scanned.pk])).content.decode()
    assert "I agree to this training plan and will give the time and support it needs." in page
    response = client.post(url, {}, follow=True)
    assert "Tick the statement to sign the plan." in response.content.decode()
    assert not PlanSignature.objects.exists()
    client.post(url, {"agree": "on"})
    assert PlanSignature.objects.get().party == "employer"


def test_removing_asks_first_then_keeps_the_activity_off_the_plan(scanned, mentor, client):
    activity = propose_plan(scanned, mentor).activities.first()
    client.force_login(mentor)
    url = reverse("tracker:plan-activity-remove", args=[scanned.pk, activity.pk])
    assert "from the plan?" in client.get(url).content.decode()
    activity.refresh_from_db()
    assert activity.removed_at is None
    client.post(url)
    activity.refresh_from_db()
    assert activity.removed_at is not None
    assert client.get(url).status_code == 404  # no longer on the plan
    page = client.get(reverse("tracker:plan", args=[scanned.pk])).content.decode()
    assert "Removed activities (1)" in page


def test_the_mentor_is_offered_a_proposal_once_a_scan_is_validated(scanned, mentor, client):
    client.force_login(mentor)
    page = client.get(reverse("tracker:plan", args=[scanned.pk])).content.decode()
    assert "Propose a plan from the scan" in page
