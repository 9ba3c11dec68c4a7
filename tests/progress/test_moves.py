"""Moving apprenticeships to a newer version of their standard (issue 13): the dry-run report,
the move doing exactly what the report said, in one transaction, the refusals, and the rules
counting only the current version afterwards."""

from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import Apprenticeship
from progress.models import StandardMove
from progress.moves import MoveRefused, apprenticeships_move, move_report
from progress.tally import tally_check
from skillscan.models import SkillScan
from skillscan.rules import latest_scan_query
from skillscan.selectors import agreed_scores_of, scan_results
from standards.models import Standard
from tests.dashboard_rows import dashboard_row
from tests.factories import ApprenticeshipFactory, EvidenceFactory, make_scan
from tracker.models import DutySignOff, EvidenceKSB
from tracker.rules import evidenced_ksb_ids
from tracker.selectors import duty_rows_from_database, duty_rows_of

pytestmark = pytest.mark.django_db

V11 = Path(__file__).parents[1] / "standards" / "data" / "ST0825_v1.1.test.json"


def import_v11():
    call_command("import_standard", str(V11), verbosity=0)
    v11 = Standard.objects.get(reference="ST0825", version="1.1")
    if v11.status != Standard.Status.APPROVED:
        v11.status = Standard.Status.APPROVED
        v11.save()
    return v11


@pytest.fixture
def v11(st0825):
    return import_v11()


def ksb(standard, code):
    return standard.ksbs.get(kind=code[0], number=int(code[1:]))


def duty(standard, number):
    return standard.duties.get(number=number)


def sign_off(apprenticeship, the_duty, by, action="signed_off"):
    return DutySignOff.objects.create(
        apprenticeship=apprenticeship, duty=the_duty, action=action, by=by, note="Seen it"
    )


@pytest.fixture
def built(st0825, v11, acme, apprentice, mentor):
    """A hand-built apprentice on 1.0: a validated scan, accepted evidence on K3 (carries) and
    S22 (gone in 1.1), a draft on K1, and duties 1 (loses S22), 2 (gains K26) and 3 signed off,
    3 once undone and signed again."""
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice, standard=st0825, organisation=acme, mentor=mentor
    )
    make_scan(apprenticeship, status="validated")
    EvidenceFactory(
        apprenticeship=apprenticeship,
        status="accepted",
        ksbs=[ksb(st0825, "K3"), ksb(st0825, "S22")],
    )
    EvidenceKSB.objects.filter(evidence__apprenticeship=apprenticeship).update(accepted=True)
    EvidenceFactory(apprenticeship=apprenticeship, status="draft", ksbs=[ksb(st0825, "K1")])
    for number in (1, 2, 3):
        sign_off(apprenticeship, duty(st0825, number), mentor)
    sign_off(apprenticeship, duty(st0825, 3), mentor, "undone")
    sign_off(apprenticeship, duty(st0825, 3), mentor)
    apprenticeship.refresh_from_db()
    return apprenticeship


def test_the_report_of_a_hand_built_apprentice(built, v11):
    (plan,) = move_report(apprenticeships=[built], target=v11).plans
    assert plan.blockers == []
    assert plan.ratings_carried == 50
    assert plan.ratings_dropped == ["S22"]
    assert sorted(link.ksb.code for link, _ in plan.links) == ["K1", "K3"]
    assert plan.links_left == ["S22"]
    assert [(event.duty.number, to.number) for event, to in plan.sign_offs] == [(3, 3)]
    assert plan.sign_offs_left == [
        (1, "duty 1 needs signing off again: its KSBs changed"),
        (2, "duty 2 needs signing off again: its KSBs changed"),
    ]
    assert plan.new_ksbs == ["K26"]


def _state(apprenticeship):
    """Every row a move may touch, as plain values."""
    return {
        "standard": Apprenticeship.objects.get(pk=apprenticeship.pk).standard_id,
        "links": sorted(
            EvidenceKSB.objects.filter(evidence__apprenticeship=apprenticeship).values_list(
                "pk", "ksb_id", "accepted"
            )
        ),
        "sign_offs": sorted(
            DutySignOff.objects.filter(apprenticeship=apprenticeship).values_list(
                "pk", "duty_id", "action", "carried_from"
            )
        ),
        "moves": StandardMove.objects.filter(apprenticeship=apprenticeship).count(),
    }


def assert_move_did_what_the_report_said(apprenticeship, plan, move, source, target):
    counts = plan.counts()
    assert move.details["counts"] == counts
    apprenticeship.refresh_from_db()
    assert apprenticeship.standard == target
    links = EvidenceKSB.objects.filter(evidence__apprenticeship=apprenticeship)
    assert links.filter(ksb__standard=target).count() == counts["links_carried"]
    assert links.filter(ksb__standard=source).count() == counts["links_left"]
    assert [row[0] for row in move.details["links"]] == [link.pk for link, _ in plan.links]
    carried = DutySignOff.objects.filter(apprenticeship=apprenticeship, carried_from__isnull=False)
    assert carried.count() == counts["sign_offs_carried"]
    assert all(event.duty.standard == target for event in carried)
    assert {e.carried_from.at for e in carried} == {e.at for e in carried}
    latest = latest_scan_query(apprenticeship).first()
    scores = agreed_scores_of(latest.ratings.all()) if latest else {}
    assert len(scores) == counts["ratings_carried"]
    assert latest is None or latest.ratings.count() == (
        counts["ratings_carried"] + counts["ratings_dropped"]
    )
    signed = {row.duty.number for row in duty_rows_of(apprenticeship) if row.status == "signed_off"}
    assert len(signed) == counts["sign_offs_carried"]
    assert tally_check(Apprenticeship.objects.filter(pk=apprenticeship.pk)) == []


def test_a_move_of_a_hand_built_apprentice_does_what_its_report_said(built, st0825, v11, manager):
    before = _state(built)
    (plan,) = move_report(apprenticeships=[built], target=v11).plans
    (move,) = apprenticeships_move(apprenticeships=[built], target=v11, by=manager)
    move = StandardMove.objects.get(pk=move.pk)
    assert (move.from_standard, move.to_standard, move.moved_by) == (st0825, v11, manager)
    assert_move_did_what_the_report_said(built, plan, move, st0825, v11)
    after = _state(built)
    # Nothing deleted: every link and sign-off is still there, the new ones added.
    assert {pk for pk, *_ in before["links"]} == {pk for pk, *_ in after["links"]}
    assert {pk for pk, *_ in before["sign_offs"]} < {pk for pk, *_ in after["sign_offs"]}
    carried = DutySignOff.objects.get(apprenticeship=built, carried_from__isnull=False)
    assert carried.note == "Carried over from version 1.0"
    assert move.details["sign_offs"] == [[carried.carried_from_id, carried.pk]]


def test_after_a_move_the_rules_count_only_the_current_version(built, v11, manager):
    apprenticeships_move(apprenticeships=[built], target=v11, by=manager)
    built.refresh_from_db()
    accepted, active = evidenced_ksb_ids(built)
    assert accepted == {ksb(v11, "K3").pk}  # S22's link stays on 1.0 and no longer counts
    assert active == {ksb(v11, "K3").pk}
    row = dashboard_row(built)
    assert (row.ksbs_covered, row.ksbs_total) == (1, 51)
    assert (row.duties_signed, row.duties_total) == (1, 13)
    python = [(r.duty.number, r.covered, r.status) for r in duty_rows_of(built)]
    sql = [(r.duty.number, r.covered, r.status) for r in duty_rows_from_database(built)]
    assert python == sql
    assert [number for number, _, status in python if status == "signed_off"] == [3]


def test_an_old_scan_still_shows_every_one_of_its_ratings(built, st0825, v11, manager):
    scan = built.scans.get()
    apprenticeships_move(apprenticeships=[built], target=v11, by=manager)
    scan = SkillScan.objects.select_related("apprenticeship__standard").get(pk=scan.pk)
    results = scan_results(scan)
    assert len(results.rows) == results.rated == 51
    assert {row.ksb.standard_id for row in results.rows} == {st0825.pk}
    assert "S22" in {row.ksb.code for row in results.rows}


def test_the_latest_agreed_scores_reach_the_new_versions_ksbs_by_code(built, st0825, v11, manager):
    apprenticeships_move(apprenticeships=[built], target=v11, by=manager)
    scan = latest_scan_query(built).first()
    scores = agreed_scores_of(scan.ratings.all())
    assert set(scores) <= set(v11.ksbs.values_list("pk", flat=True))
    assert scores[ksb(v11, "K3").pk] == scan.ratings.get(ksb=ksb(st0825, "K3")).agreed_score
    assert ksb(v11, "K26").pk not in scores


def test_the_move_is_atomic(built, v11, manager, monkeypatch):
    from progress import moves

    before = _state(built)

    def fail(plan):
        assert EvidenceKSB.objects.filter(ksb__standard=v11).exists()  # links moved already
        raise RuntimeError("half way")

    monkeypatch.setattr(moves, "_sign_offs_carry", fail)
    with pytest.raises(RuntimeError):
        apprenticeships_move(apprenticeships=[built], target=v11, by=manager)
    assert _state(built) == before


@pytest.fixture
def seeded(settings, v11):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Apprenticeship.objects.for_list().filter(organisation__name="Acme Digital")


def _back_from_gateway(seeded, manager):
    """Cal, whom the demo takes to gateway (an apprenticeship at gateway does not move), back
    to active through the status service."""
    from accounts.status import apprenticeship_status_change

    cal = seeded.get(apprentice__email="apprentice3@example.com")
    assert cal.status == Apprenticeship.Status.GATEWAY
    apprenticeship_status_change(
        apprenticeship=cal, to=Apprenticeship.Status.ACTIVE, by=manager, reason="EPA postponed"
    )
    return seeded.get(pk=cal.pk)


def test_demo_apprentices_move_as_their_report_said(seeded, v11):
    """Cal (close to gateway: evidence and sign-offs) and Alex once his review scan is
    validated (ratings too): reported, moved together, and each count found in the database."""
    from django.utils import timezone

    from accounts.models import User

    manager = User.objects.get(email="manager@example.com")
    alex = seeded.get(apprentice__email="apprentice@example.com")
    blocked = move_report(apprenticeships=[alex], target=v11).plans[0].blockers
    assert blocked == ["Alex Apprentice has a skills scan awaiting validation: validate it first."]
    alex.scans.filter(status="submitted").update(
        status="validated", validated_by=manager, validated_at=timezone.now()
    )
    cal = _back_from_gateway(seeded, manager)
    report = move_report(apprenticeships=[alex, cal], target=v11)
    assert report.blockers == []
    plans = {plan.apprenticeship.pk: plan for plan in report.plans}
    assert plans[alex.pk].ratings_carried == 50 and plans[alex.pk].ratings_dropped == ["S22"]
    assert plans[cal.pk].links and plans[cal.pk].sign_offs and plans[cal.pk].sign_offs_left
    source = alex.standard
    moves = apprenticeships_move(apprenticeships=[alex, cal], target=v11, by=manager)
    for move in moves:
        plan = plans[move.apprenticeship_id]
        assert_move_did_what_the_report_said(plan.apprenticeship, plan, move, source, v11)
    assert report.totals()["links_carried"] == sum(len(m.details["links"]) for m in moves)


def test_seed_demo_after_a_move_changes_nothing(seeded, v11):
    from accounts.models import User

    cal = _back_from_gateway(seeded, User.objects.get(email="manager@example.com"))
    apprenticeships_move(apprenticeships=[cal], target=v11, by=User.objects.get(is_superuser=True))
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    cal.refresh_from_db()
    assert cal.standard == v11
    assert tally_check() == []


# --- refusals -------------------------------------------------------------------------------


def _refused(apprenticeships, target, by):
    states = [_state(a) for a in apprenticeships]
    with pytest.raises(MoveRefused) as refused:
        apprenticeships_move(apprenticeships=apprenticeships, target=target, by=by)
    assert [_state(a) for a in apprenticeships] == states
    return refused.value.blockers


def test_a_move_to_the_same_or_an_older_version_is_refused(built, st0825, v11, manager):
    assert _refused([built], st0825, manager) == [
        "Alex Apprentice: Already on ST0825 v1.0: choose a newer version."
    ]
    apprenticeships_move(apprenticeships=[built], target=v11, by=manager)
    assert _refused([built], st0825, manager) == [
        "Alex Apprentice: ST0825 v1.0 is not newer than v1.1."
    ]


def test_a_move_to_another_standard_or_a_draft_is_refused(built, v11, manager):
    from tests.factories import make_standard

    other = make_standard(reference="ST0116", title="Other")
    other.version = "9.0"
    other.save()
    assert _refused([built], other, manager) == [
        "Alex Apprentice: ST0116 v9.0 is not a version of ST0825."
    ]
    Standard.objects.filter(pk=v11.pk).update(status=Standard.Status.DRAFT)
    v11.refresh_from_db()
    assert _refused([built], v11, manager) == [
        "Alex Apprentice: ST0825 v1.1 is not approved for delivery (it is draft)."
    ]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("gateway", "is at gateway"),
        ("completed", "has completed"),
        ("withdrawn", "has been withdrawn"),
    ],
)
def test_a_move_past_gateway_is_refused(built, v11, manager, status, words):
    Apprenticeship.objects.filter(pk=built.pk).update(status=status)
    built.refresh_from_db()
    assert _refused([built], v11, manager) == [f"Alex Apprentice: Alex Apprentice {words}."]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("draft", "has a skills scan in progress: submit and validate it first"),
        ("submitted", "has a skills scan awaiting validation: validate it first"),
    ],
)
def test_a_move_with_a_scan_in_progress_is_refused(built, v11, manager, status, words):
    make_scan(built, stage="review", status=status)
    assert _refused([built], v11, manager) == [f"Alex Apprentice: Alex Apprentice {words}."]


def test_one_blocked_apprenticeship_stops_the_whole_selection(built, v11, manager, acme):
    other = ApprenticeshipFactory(standard=built.standard, organisation=acme)
    make_scan(other, status="draft")
    blockers = _refused([built, other], v11, manager)
    assert len(blockers) == 1 and "skills scan in progress" in blockers[0]
