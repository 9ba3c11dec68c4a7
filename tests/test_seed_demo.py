import time
from io import StringIO
from itertools import pairwise

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import Apprenticeship, Membership, Organisation, User
from skillscan.models import SkillScan
from standards.models import Standard
from tracker.rules.hours import automatic_target_of

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "admin@example.com",
    "manager@example.com",
    "mentor@example.com",
    "apprentice@example.com",
    "apprentice2@example.com",
    "apprentice3@example.com",
    "globex@example.com",
    "globex.apprentice@example.com",
    "tutor@example.com",
    "provider.manager@example.com",
    "assessor@example.com",
}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed(*args, **kwargs):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_seed_demo_creates_the_demo_world(debug):
    out = seed()
    assert set(User.objects.values_list("email", flat=True)) == DEMO_EMAILS
    assert all(u.check_password("demo-pass-1234") for u in User.objects.all())
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == len(DEMO_EMAILS)
    assert User.objects.get(email="admin@example.com").is_superuser
    acme = Organisation.objects.get(name="Acme Digital")
    roles = {m.user.email: m.role for m in acme.memberships.select_related("user")}
    assert roles == {"manager@example.com": "manager", "mentor@example.com": "mentor"}
    globex = Organisation.objects.get(name="Globex")
    assert globex.memberships.get().user.email == "globex@example.com"
    apprenticeships = Apprenticeship.objects.select_related("apprentice", "standard")
    assert {a.apprentice.email for a in apprenticeships} == {
        "apprentice@example.com",
        "apprentice2@example.com",
        "apprentice3@example.com",
        "globex.apprentice@example.com",
    }
    assert {a.standard.reference for a in apprenticeships} == {"ST0825"}
    months = sorted(a.month_of_programme() for a in apprenticeships.filter(organisation=acme))
    assert months == [2, 8, 22], "the three Acme apprentices are at different points"
    # Each target is the automatic one: the minimum, less Alex's holiday and shorter week.
    assert all(a.otj_target_hours == automatic_target_of(a) for a in apprenticeships)
    alex = apprenticeships.get(apprentice__email="apprentice@example.com")
    assert alex.time_off.count() == 1 and alex.working_hours_changes.count() == 1
    assert Standard.objects.get(reference="ST0825").ksbs.count() == 51
    # Northwind Training delivers Acme's apprenticeships (not Globex's), its tutor has them all.
    northwind = Organisation.objects.get(name="Northwind Training", kind="provider")
    roles = {m.user.email: m.role for m in northwind.memberships.select_related("user")}
    assert roles == {"tutor@example.com": "tutor", "provider.manager@example.com": "manager"}
    assert northwind.employer_partnerships.active().get().employer == acme
    assert not northwind.employer_partnerships.filter(employer=globex).exists()
    tutor = User.objects.get(email="tutor@example.com")
    assert set(Apprenticeship.objects.visible_to(tutor)) == set(
        apprenticeships.filter(organisation=acme)
    )
    assert not Apprenticeship.objects.visible_to(tutor).filter(organisation=globex).exists()
    for email in DEMO_EMAILS:
        assert email in out
    assert "demo-pass-1234" in out


def test_seed_demo_is_idempotent_and_keeps_edits(debug):
    seed()
    manager = User.objects.get(email="manager@example.com")
    manager.full_name = "Renamed"
    manager.save()
    before = (User.objects.count(), Apprenticeship.objects.count(), Membership.objects.count())
    out = seed()
    assert (
        User.objects.count(),
        Apprenticeship.objects.count(),
        Membership.objects.count(),
    ) == before
    assert User.objects.get(email="manager@example.com").full_name == "Renamed"
    assert (
        "Users created: 0" in out and "Apprenticeships created: 0; skills scans created: 0" in out
    )


def test_seed_demo_gives_the_demo_apprentices_scans(debug):
    seed()
    scans = {
        email: [
            (s.stage, s.status, s.ratings.count())
            for s in SkillScan.objects.filter(apprenticeship__apprentice__email=email).order_by(
                "created_at"
            )
        ]
        for email in (
            "apprentice@example.com",
            "apprentice2@example.com",
            "apprentice3@example.com",
        )
    }
    assert scans["apprentice@example.com"] == [
        ("initial", "validated", 51),
        ("review", "submitted", 51),
    ]
    assert scans["apprentice2@example.com"] == [("initial", "draft", 25)]
    assert scans["apprentice3@example.com"] == []
    initial = SkillScan.objects.get(
        apprenticeship__apprentice__email="apprentice@example.com", stage="initial"
    )
    disagreements = [r for r in initial.ratings.all() if r.is_disagreement]
    assert len(disagreements) == 4 and all(r.employer_comment for r in disagreements)
    assert initial.validated_by.email == "mentor@example.com"
    assert initial.created_at.date() < initial.submitted_at.date() <= initial.validated_at.date()


def test_seed_demo_gives_evidence_progress_and_reviews(debug):
    from tracker.models import Evidence, ProgressReview
    from tracker.rules import DutyStatus, next_review
    from tracker.selectors import duty_rows_from_database

    def statuses_of(apprenticeship):
        return [row.status for row in duty_rows_from_database(apprenticeship)]

    seed()
    for email in (
        "apprentice@example.com",
        "apprentice2@example.com",
        "apprentice3@example.com",
        "globex.apprentice@example.com",
    ):
        statuses = set(
            Evidence.objects.filter(apprenticeship__apprentice__email=email).values_list(
                "status", flat=True
            )
        )
        assert statuses == {"draft", "submitted", "accepted", "changes_requested"}, email
    near_gateway = Apprenticeship.objects.get(apprentice__email="apprentice3@example.com")
    assert statuses_of(near_gateway).count(DutyStatus.SIGNED_OFF) == 10
    assert statuses_of(near_gateway).count(DutyStatus.EVIDENCED) == 3
    assert next_review(near_gateway, near_gateway.reviews.first()).overdue
    first = Apprenticeship.objects.get(apprentice__email="apprentice@example.com")
    assert statuses_of(first).count(DutyStatus.SIGNED_OFF) == 2
    assert not next_review(first, first.reviews.first()).overdue
    assert ProgressReview.objects.filter(apprenticeship=first).count() >= 1
    # Created, and Cal's taken to gateway by the two declarations (demo/epa.py).
    changes = {a.apprentice.email: a.status_changes.count() for a in Apprenticeship.objects.all()}
    assert changes.pop("apprentice3@example.com") == 2
    assert set(changes.values()) == {1}


def test_seed_demo_keeps_edits_made_to_st0825(debug, st0825):
    k1 = st0825.ksbs.get(kind="K", number=1)
    k1.description = "Edited in admin"
    k1.save()
    seed()
    k1.refresh_from_db()
    assert k1.description == "Edited in admin"


def test_seed_demo_keeps_a_wording_edit_made_through_the_admin_and_its_history(
    debug, admin_client, admin_user
):
    """Issue 13: K3 reworded in the admin on the demo's version in use; seeding again keeps the
    new words and the history row that says who changed them."""
    from django.urls import reverse

    from standards.models import KSB
    from tests.standards.admin_forms import posted_back

    seed()
    k3 = KSB.objects.get(standard__reference="ST0825", kind="K", number=3)
    url = reverse("admin:standards_ksb_change", args=[k3.pk])
    data = posted_back(admin_client.get(url))
    data["description"] = "Reworded in admin"
    assert admin_client.post(url, data).status_code == 302
    history = list(k3.history.values_list("history_id", "description", "history_user"))
    seed()
    k3.refresh_from_db()
    assert k3.description == "Reworded in admin"
    assert list(k3.history.values_list("history_id", "description", "history_user")) == history
    assert history[0][1:] == ("Reworded in admin", admin_user.pk)


def test_seed_demo_takes_another_password(debug):
    seed(password="another-pass-5678")
    assert User.objects.get(email="mentor@example.com").check_password("another-pass-5678")


def test_seed_demo_adds_apprentices_at_scale_in_well_under_a_minute(debug):
    started = time.monotonic()
    out = seed(apprentices=1000)
    assert time.monotonic() - started < 60
    acme = Organisation.objects.get(name="Acme Digital")
    assert acme.apprenticeships.count() == 1003
    assert User.objects.filter(email="apprentice1003@example.com").exists()
    from tracker.models import Evidence

    assert (
        Evidence.objects.filter(
            apprenticeship__apprentice__email="apprentice1003@example.com"
        ).count()
        == 20
    )
    extra = SkillScan.objects.filter(apprenticeship__apprentice__email="apprentice1003@example.com")
    assert [(s.stage, s.status, s.ratings.count()) for s in extra] == [("initial", "validated", 51)]
    assert "apprentice4@example.com ... apprentice1003@example.com" in out
    seed(apprentices=1000)
    assert acme.apprenticeships.count() == 1003


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()
    assert not User.objects.exists()
    seed(force=True)
    assert User.objects.filter(email="admin@example.com").exists()


def test_seed_demo_refuses_a_negative_number_of_apprentices(debug):
    with pytest.raises(CommandError, match="0 or more"):
        seed(apprentices=-1)


def test_bench_pages_builds_its_data_and_times_every_main_page(debug):
    out = StringIO()
    call_command("bench_pages", apprentices=3, requests=3, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Built the data set (7 apprenticeships)")
    pages = {line[:26].strip(): line.split() for line in lines[2:]}
    assert set(pages) == {
        "apprentice home",
        "employer dashboard",
        "provider caseload",
        "apprenticeship overview",
        "scan page",
        "scan results",
        "evidence list",
        "portfolio",
        "portfolio, the assessor's",
        "training plan",
        "hours",
    }
    for cells in pages.values():
        median, p95, queries = float(cells[-3]), float(cells[-2]), int(cells[-1])
        assert 0 < median <= p95 and 0 < queries <= 15


def test_bench_pages_refuses_a_database_with_data(debug, user):
    with pytest.raises(CommandError, match="not empty"):
        call_command("bench_pages", apprentices=1, requests=1, stdout=StringIO())


def test_bulk_insert_returns_the_ids_in_order_and_keeps_given_creation_times():
    """demo.bulk.insert: COPY on PostgreSQL, bulk_create elsewhere; the same rows either way."""
    from datetime import datetime

    from django.utils import timezone

    from demo.bulk import insert

    before = Organisation.objects.create(name="Before")
    then = timezone.make_aware(datetime(2020, 1, 2, 10))
    ids = insert(Organisation, ("name", "created_at"), [("First", then), ("Second", then)])
    assert ids[0] > before.pk
    saved = Organisation.objects.filter(pk__in=ids).order_by("pk")
    assert list(saved.values_list("pk", "name", "created_at")) == [
        (ids[0], "First", then),
        (ids[1], "Second", then),
    ]
    (later,) = insert(Organisation, ("name",), iter([("Third",)]))
    assert Organisation.objects.get(pk=later).created_at > then  # a default: the current time
    assert insert(Organisation, ("name",), []) == []


# --- the demo tells a believable story in time (issue 12) ------------------------------------


@pytest.fixture
def demo_world(debug):
    seed(apprentices=30)  # the extra apprentices are 1 to 23 months in
    return timezone.now()


def test_no_demo_timestamp_is_in_the_future(demo_world):
    now = demo_world
    for app in ("accounts", "skillscan", "tracker", "progress", "notify"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateTimeField):
                    if (model.__name__, field.name) == ("ProgressReview", "scheduled_for"):
                        continue  # a meeting planned: the one date meant to be ahead
                    latest = model.objects.aggregate(latest=Max(field.name))["latest"]
                    assert latest is None or latest <= now, f"{model.__name__}.{field.name}"


def test_evidence_history_follows_the_evidence_in_order(demo_world):
    from tracker.models import Evidence

    now = demo_world
    evidence = Evidence.objects.select_related("apprenticeship").prefetch_related("feedback")
    assert len(evidence) > 100
    for item in evidence:
        steps = list(item.feedback.all())  # in time order
        assert item.apprenticeship.start_date <= item.occurred_on < now.date(), item
        assert item.occurred_on <= timezone.localdate(item.created_at), "logged after it happened"
        assert item.created_at <= item.updated_at <= now
        assert steps == sorted(steps, key=lambda step: step.pk), "recorded in the order of events"
        if item.status == Evidence.Status.DRAFT:
            assert item.submitted_at is None and not steps
            continue
        assert item.created_at < item.submitted_at <= item.updated_at
        assert steps[0].decision == "submitted" and steps[0].created_at == item.submitted_at
        assert [step.created_at for step in steps] == sorted({step.created_at for step in steps})
        if item.status in (Evidence.Status.ACCEPTED, Evidence.Status.CHANGES_REQUESTED):
            assert steps[-1].decision == item.status
            assert steps[-1].created_at == item.updated_at, "the decision was the last change"


def test_sign_offs_come_after_the_evidence_they_rest_on(demo_world):
    from tracker.models import DutySignOff, EvidenceFeedback

    sign_offs = DutySignOff.objects.select_related("apprenticeship").prefetch_related("duty__ksbs")
    assert sign_offs.count() == 12
    for sign_off in sign_offs:
        ksbs = [ksb.pk for ksb in sign_off.duty.ksbs.all()]
        acceptances = EvidenceFeedback.objects.filter(
            decision="accepted",
            evidence__apprenticeship=sign_off.apprenticeship,
            evidence__ksbs__in=ksbs,
        ).aggregate(last=Max("created_at"))["last"]
        assert acceptances is not None and acceptances < sign_off.at <= demo_world
        assert sign_off.apprenticeship.start_date < timezone.localdate(sign_off.at)


def test_scans_are_submitted_after_they_start_and_validated_after_that(demo_world):
    scans = SkillScan.objects.select_related("apprenticeship")
    for scan in scans:
        assert scan.apprenticeship.start_date <= timezone.localdate(scan.created_at)
        stamps = [scan.created_at, scan.submitted_at, scan.validated_at]
        done = [stamp for stamp in stamps if stamp is not None]
        assert done == stamps[: len(done)], "no validation without a submission"
        assert done == sorted(set(done)), scan
        assert scan.updated_at == done[-1] and done[-1] <= demo_world


def test_reviews_every_twelve_weeks_signed_after_they_are_held(demo_world):
    from tracker.models import ProgressReview
    from tracker.rules import REVIEW_INTERVAL

    for apprenticeship in Apprenticeship.objects.prefetch_related("reviews"):
        # The reviews signed by all: their history (the reviews in each other state are below).
        signed = [review for review in apprenticeship.reviews.all() if review.is_signed]
        reviews = sorted(signed, key=lambda review: review.held_on)
        held = [review.held_on for review in reviews]
        gaps = {later - earlier for earlier, later in pairwise(held)}
        assert gaps <= {REVIEW_INTERVAL}, apprenticeship
        for review in reviews:
            assert apprenticeship.start_date < review.held_on < demo_world.date()
            assert timezone.localdate(review.created_at) == review.held_on
            assert review.created_at <= review.employer_signed_at <= review.apprentice_signed_at
            assert review.apprentice_signed_at <= demo_world
    assert ProgressReview.objects.count() > 30


def test_the_provider_shows_a_review_in_each_state(demo_world):
    from tracker.models import ProgressReview

    def review_of(email, stage):
        return ProgressReview.objects.get(
            apprenticeship__apprentice__email=email, **({"held_on": None} if stage else {})
        )

    stages = {
        review.apprenticeship.apprentice.email: review.stage
        for review in ProgressReview.objects.exclude(
            pk__in=[r.pk for r in ProgressReview.objects.all() if r.is_signed]
        ).select_related("apprenticeship__apprentice")
    }
    assert stages == {
        "apprentice3@example.com": "scheduled",
        "apprentice2@example.com": "draft",
        "apprentice@example.com": "signing",
    }
    assert review_of("apprentice2@example.com", None).prefill["hours"]
    signed = ProgressReview.objects.filter(document__isnull=False).get()
    assert signed.apprenticeship.apprentice.email == "apprentice@example.com"
    assert signed.document.sha256 and signed.document.size > 1000
    assert ProgressReview.objects.filter(concerns__isnull=False).count() == 1


def test_apprenticeships_are_set_up_before_they_start(demo_world):
    for apprenticeship in Apprenticeship.objects.prefetch_related("status_changes"):
        started = apprenticeship.status_changes.all()[0]
        assert apprenticeship.created_at < started.at <= demo_world
        assert timezone.localdate(started.at) == apprenticeship.start_date


def test_no_apprentice_logs_the_same_title_twice(demo_world):
    from tracker.models import Evidence

    repeated = (
        Evidence.objects.values("apprenticeship", "title")
        .annotate(times=Count("pk"))
        .filter(times__gt=1)
    )
    assert list(repeated) == []
    first = Evidence.objects.filter(apprenticeship__apprentice__email="apprentice@example.com")
    assert len({item.description for item in first}) > 1, "not one text for everything"


def test_no_ksb_with_accepted_evidence_is_agreed_at_0_in_the_latest_scan(demo_world):
    from tracker.models import Evidence

    checked = 0
    for apprenticeship in Apprenticeship.objects.all():
        latest = (
            SkillScan.objects.filter(apprenticeship=apprenticeship)
            .exclude(status="draft")
            .order_by("-submitted_at")
            .first()
        )
        if latest is None:
            continue
        agreed = {rating.ksb_id: rating.agreed_score for rating in latest.ratings.all()}
        accepted = set(
            Evidence.ksbs.through.objects.filter(
                evidence__apprenticeship=apprenticeship, evidence__status="accepted"
            ).values_list("ksb_id", flat=True)
        )
        assert accepted, apprenticeship
        assert all(agreed[ksb] > 0 for ksb in accepted), apprenticeship
        checked += 1
    assert checked == 32  # all but the beginner's draft and the one near gateway with no scan


# --- each demo person has a believable inbox (issue 15) --------------------------------------


def test_each_demo_person_but_the_admin_has_an_inbox_of_what_happened(demo_world):
    from notify.models import Notification

    for email in DEMO_EMAILS - {"admin@example.com", "assessor@example.com"}:
        user = User.objects.get(email=email)
        inbox = Notification.objects.for_user(user)
        assert inbox.exists(), email
        for item in inbox:
            assert item.url.startswith("/") and item.title, item
            assert item.read_at is None or item.read_at >= item.created_at
    mentor = User.objects.get(email="mentor@example.com")
    assert Notification.objects.for_user(mentor).unread().exists()
    # Told about their own apprentices only, never about Globex's.
    globex = Apprenticeship.objects.get(organisation__name="Globex")
    assert not Notification.objects.filter(recipient=mentor, apprenticeship=globex).exists()
    assert "inbox items:" in seed()


def test_the_handoff_is_told_in_the_inboxes_dated_and_never_e_mailed(demo_world, mailoutbox):
    """The plan, timesheet and gateway services tell people as they act: seeding, their words
    reach the inboxes dated when each thing happened, beside everything else told, and no
    e-mail is sent."""
    from notify.models import Notification
    from tracker.models import TimesheetDecision

    assert not mailoutbox
    alex = User.objects.get(email="apprentice@example.com")
    kinds = set(Notification.objects.filter(recipient=alex).values_list("kind", flat=True))
    assert {"plan_to_sign", "hours_decided", "evidence_accepted", "scan_validated"} <= kinds
    decided = Notification.objects.filter(recipient=alex, kind="hours_decided")
    assert sorted(decided.values_list("created_at", flat=True)) == sorted(
        TimesheetDecision.objects.filter(
            entry__apprenticeship__apprentice=alex, decision="accepted"
        ).values_list("at", flat=True)
    )
    mentor = User.objects.get(email="mentor@example.com")
    assert Notification.objects.filter(recipient=mentor, kind="hours_submitted").exists()
    cal = User.objects.get(email="apprentice3@example.com")
    assert Notification.objects.filter(recipient=cal, kind="status_changed").exists()


def test_a_second_seed_leaves_every_inbox_as_it_is(demo_world):
    from notify.models import Notification

    before = sorted(Notification.objects.values_list("pk", "read_at"))
    assert "inbox items: 0." in seed()
    assert sorted(Notification.objects.values_list("pk", "read_at")) == before
