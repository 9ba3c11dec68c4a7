"""The permission walk's table: each user with their declared role on the world's
apprenticeship and at Acme Digital, and each URL with the action it needs. The expected
status of every request is read from accounts.permissions.PERMISSIONS (tests/test_pages.py).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from accounts.permissions import Action, Role

#
# Each user of the walk has a declared role on the world's apprenticeship and at Acme Digital
# (checked against accounts.permissions.role_of below). Each URL says which action it needs;
# the expected status is then the table's answer: 302 to log in when anonymous, 404 without a
# role, 403 with a role that may not take the action, and success with one that may. A new
# role fails the walk until a user with it is declared; a new action fails it until a URL (or
# the list of actions taken elsewhere) covers it.

A, MEN, MAN, ADM = Role.APPRENTICE, Role.MENTOR, Role.MANAGER, Role.ADMIN
TUT, PM = Role.TUTOR, Role.PROVIDER_MANAGER
# name -> (role on the apprenticeship, role at Acme Digital, role at Northwind Training, the
# training provider that delivers it, in an active partnership with Acme)
USERS = {
    # The apprentice is also a manager of Acme: nobody supervises themselves.
    "apprentice": (A, MAN, None),
    "mentor": (MEN, MEN, None),
    "manager": (MAN, MAN, None),
    "superuser": (ADM, ADM, ADM),
    "other_apprentice": (None, None, None),
    "other_manager": (None, None, None),
    "former_manager": (None, None, None),  # their membership of Acme was deleted
    "tutor": (TUT, None, TUT),
    "provider_manager": (PM, None, PM),
    # A tutor of Northwind whose caseload the apprenticeship left (moved to "tutor").
    "former_tutor": (None, None, TUT),
    # A manager of another provider also in partnership with Acme, not delivering this one.
    "rival_provider_manager": (None, None, None),
    # The end-point assessor with open access: the portfolio, its evidence and files only.
    "assessor": (Role.ASSESSOR, None, None),
    # An assessor whose access ended yesterday: nothing at all.
    "former_assessor": (None, None, None),
}
WALKERS = ["anonymous", *USERS]
# Actions no URL takes through this walk, and where they are tested instead.
TAKEN_ELSEWHERE = {
    Action.JOIN: "accepting an invitation, which the invitation decides (test_invitations)",
    Action.COUNTERSIGN_REVIEW: "the apprentice's prompt to sign a review on their home page "
    "(progress.selectors); the signature itself needs SIGN_REVIEW (test_review_three_parties)",
    Action.AGREE_GATEWAY: "the employer's signature of the gateway declaration, asked by the "
    "status service on top of MARK_GATEWAY (progress:gateway-mark; test_epa)",
    # Issue 17's actions, in the table before their pages: each leaves this list when its
    # page joins the walk.
}


@dataclass(frozen=True)
class Public:
    """Anyone; ``anonymous`` and ``others`` when the page sends some people elsewhere."""

    anonymous: int = 200
    others: int = 200


@dataclass(frozen=True)
class LoggedIn:
    status: int = 200


@dataclass(frozen=True)
class Staff:
    pass


# Roles walkers hold at organisations outside the world's apprenticeship, Acme and Northwind
# (what an Own page reads besides USERS).
ROLES_ELSEWHERE = {"rival_provider_manager": PM}


@dataclass(frozen=True)
class Own:
    """A page of the user's own work across apprenticeships that only some roles have (the
    caseload): success when a role the walker holds (on the world's apprenticeship or at Acme
    Digital, or elsewhere: ROLES_ELSEWHERE) may take ``action``, else 403. Its other fields
    read as a GET-only On's."""

    action: Action
    scope: str = "own"
    post: object = None
    post_only: bool = False
    post_action: Action | None = None
    get_status: int = 200


@dataclass(frozen=True)
class On:
    """A page of the world's apprenticeship (``scope`` "apprenticeship") or of Acme Digital
    ("organisation") needing ``action``; ``post`` is the form a POST sends (None: no POST),
    ``post_only`` refuses a GET, ``post_action`` is what a POST needs when it differs."""

    action: Action
    scope: str = "apprenticeship"
    post: object = None
    post_only: bool = False
    post_action: Action | None = None
    get_status: int = 200


APP = "apprenticeship"
ORG = "organisation"
EITHER_ORG = "either"  # a page of the partnership of Acme and Northwind: either side's role


def _pk(name):
    return lambda w: {"pk": w[name].pk}


def _duty(number):
    return lambda w: {"pk": w["apprenticeship"].pk, "number": number}


def _notification(world):
    """An inbox item of the apprentice about the world's apprenticeship."""
    from notify.models import Notification

    item = Notification.objects.filter(title="Walked").first()
    if item is None:
        item = Notification.objects.create(
            recipient=world["users"]["apprentice"],
            kind="evidence_accepted",
            apprenticeship=world["apprenticeship"],
            title="Walked",
            url=world["apprenticeship"].get_absolute_url(),
        )
    return {"pk": item.pk}


def _job(world):
    """A background job of someone outside the walk: a job is its creator's alone (404 for
    everyone else; its creator's pages are tested in tests/accounts/test_jobs.py)."""
    from accounts.jobs import create_job
    from accounts.models import BackgroundJob
    from tests.factories import UserFactory

    job = BackgroundJob.objects.filter(created_by__email="job.owner@example.com").first()
    if job is None:
        job = create_job(
            kind=BackgroundJob.Kind.BULK_ENROLMENT,
            by=UserFactory(email="job.owner@example.com"),
            organisation=world["acme"],
        )
    return {"pk": job.pk}


def _unsubscribe(world):
    from notify.delivery import unsubscribe_token

    return {"token": unsubscribe_token(world["users"]["mentor"], "evidence_submitted")}


EVIDENCE_FORM = {
    "title": "Walked",
    # Today: within every apprenticeship of the world, whenever the walk runs.
    "occurred_on": date.today().isoformat(),
    "activity_type": "project_work",
    "off_the_job_hours": "1",
    "description": "",
    "url": "",
}
REVIEW_FORM = {
    "held_on": date.today().isoformat(),
    "next_due_on": "",
    "progress": "Fine.",
    "actions": "More.",
}


SCHEDULE_FORM = {
    "scheduled_for": "2030-03-04T10:30",
    "duration_minutes": "60",
    "location": "Acme office",
    "attendees": "",
}


def _review_action(world):
    """The world's review and an agreed action of it."""
    from tracker.models import ReviewAction

    action, _ = ReviewAction.objects.get_or_create(
        review=world["review"], text="Walk", owner="employer", due_on=date(2030, 1, 1)
    )
    return {"pk": world["review"].pk, "action_pk": action.pk}


def _plan_activity(world):
    """The world's training plan (made on first use) and its one activity."""
    from tracker.models import PlanActivity, TrainingPlan

    apprenticeship = world["apprenticeship"]
    plan = TrainingPlan.objects.filter(apprenticeship=apprenticeship).first()
    if plan is None:
        plan = TrainingPlan.objects.create(apprenticeship=apprenticeship)
        PlanActivity.objects.create(
            plan=plan,
            title="Walk",
            kind="course",
            starts_on=date.today(),
            ends_on=date.today(),
            planned_hours=2,
        )
    return {"pk": apprenticeship.pk, "activity": plan.activities.get().pk}


def _plan(world):
    return {"pk": _plan_activity(world)["pk"]}


PLAN_ACTIVITY_FORM = {
    "title": "Walked",
    "kind": "project",
    "starts_on": date.today().isoformat(),
    "ends_on": date.today().isoformat(),
    "planned_hours": "3",
}


# Hours logged and time off: today and a week ago, within every apprenticeship of the world.
TIMESHEET_FORM = {"on": date.today().isoformat(), "hours": "1.5", "activity": "Walked"}
TIME_OFF_FORM = {
    "kind": "holiday",
    "starts_on": date.today().isoformat(),
    "ends_on": date.today().isoformat(),
}


def _timesheet_entry(world):
    """A timesheet line of the world's apprenticeship, waiting for a decision."""
    from tracker.models import TimesheetEntry

    entry, _ = TimesheetEntry.objects.get_or_create(
        apprenticeship=world["apprenticeship"],
        activity="Walk",
        defaults={"on": date.today(), "hours": 2, "by": world["users"]["apprentice"]},
    )
    return {"pk": entry.pk}


def _time_off(world):
    """Time off of the world's apprenticeship, a week ago."""
    from tracker.models import TimeOff

    day = date.today() - timedelta(days=7)
    time_off, _ = TimeOff.objects.get_or_create(
        apprenticeship=world["apprenticeship"],
        starts_on=day,
        defaults={"ends_on": day, "kind": "sickness", "party": "employer"},
    )
    return {"pk": time_off.pk}


def sign_off_form(world):
    """Duty 1's sign-off, confirming the KSBs it has no accepted evidence for."""
    from tracker.forms import unevidenced_token
    from tracker.services import unevidenced_ksbs_of

    apprenticeship = world["apprenticeship"]
    duty = apprenticeship.standard.duties.get(number=1)
    missing = unevidenced_ksbs_of(apprenticeship, duty)
    return {
        "note": "Walk",
        "reason": "Walk",
        "confirm": "on",
        "unevidenced": unevidenced_token(duty, missing),
    }


INVITE_APPRENTICE = {
    "email": "walk@example.com",
    "full_name": "Walk Er",
    "standard": "",
    "start_date": "2026-01-10",
    "planned_end_date": "2027-06-10",
    "mentor": "",
    "weekly_hours": "30",
    "otj_target_hours": "",
}


def _bulk_file(world):
    """A bulk enrolment's upload: one apprentice onto the world's standard."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        "name,email,standard,version,start,planned_end\n"
        f"Walk Er,bulk.walk@example.com,ST0825,1.0,{date.today().isoformat()},2030-01-01\n"
    )
    return {"file": SimpleUploadedFile("walk.csv", content.encode(), content_type="text/csv")}


# name -> (url kwargs from the world, what the URL needs)
URLS = {
    "progress:welcome": (lambda w: {}, Public()),
    "standards:standard-list": (lambda w: {}, Public()),
    "standards:standard-latest": (lambda w: {"reference": "ST0825"}, Public(302, 302)),
    "standards:standard-detail": (
        lambda w: {"reference": "ST0825", "version": "1.0"},
        Public(),
    ),
    # The world has one version: compared with itself, the page says they are the same. Drafts
    # (404 but for staff) are walked in tests/standards/test_versions.py.
    "standards:standard-compare": (
        lambda w: {"reference": "ST0825", "old": "1.0", "new": "1.0"},
        Public(),
    ),
    "account_login": (lambda w: {}, Public(200, 302)),
    "account_signup": (lambda w: {}, Public(200, 302)),
    # The link shows what it is for to anyone; logged in as another address it is refused.
    "accounts:invitation-accept": (lambda w: {"token": w["token"]}, Public(200, 403)),
    "accounts:assessor-accept": (lambda w: {"token": w["assessor_token"]}, Public(200, 403)),
    "accounts:assessor-home": (lambda w: {}, LoggedIn()),
    "progress:start": (lambda w: {}, LoggedIn(302)),
    "progress:dashboard": (lambda w: {}, LoggedIn()),
    "progress:dashboard-csv": (lambda w: {}, LoggedIn()),
    "progress:caseload": (lambda w: {}, Own(Action.SEE_CASELOAD)),
    "progress:caseload-csv": (lambda w: {}, Own(Action.SEE_CASELOAD)),
    "accounts:get-started": (lambda w: {}, LoggedIn()),
    "accounts:profile": (lambda w: {}, LoggedIn()),
    "accounts:account-delete": (lambda w: {}, LoggedIn()),
    "accounts:organisation-create": (lambda w: {}, LoggedIn()),
    "skillscan:validation-queue": (lambda w: {}, LoggedIn()),
    "progress:evidence-queue": (lambda w: {}, LoggedIn()),
    "notify:inbox": (lambda w: {}, LoggedIn()),
    "notify:preferences": (lambda w: {}, LoggedIn()),
    # POST only: whose item it is decides the POST (tests/notify/test_inbox.py).
    "notify:inbox-read-all": (lambda w: {}, LoggedIn(405)),
    # Background jobs: each is its creator's alone.
    "accounts:job": (_job, LoggedIn(404)),
    "accounts:job-status": (_job, LoggedIn(404)),
    "accounts:job-result": (_job, LoggedIn(404)),
    "accounts:bulk-enrol-preview": (_job, LoggedIn(404)),
    # The dashboard's bulk action: a POST of the rows selected (tests/accounts/test_bulk_assign).
    "accounts:bulk-assign": (lambda w: {}, LoggedIn(405)),
    "notify:notification-open": (_notification, LoggedIn(405)),
    "notify:notification-read": (_notification, LoggedIn(405)),
    "notify:notification-unread": (_notification, LoggedIn(405)),
    # The signed link of an e-mail works for anyone who has it, logged in or not.
    "notify:unsubscribe": (_unsubscribe, Public()),
    "admin:index": (lambda w: {}, Staff()),
    "admin:standards_standard_changelist": (lambda w: {}, Staff()),
    "admin:accounts_apprenticeship_changelist": (lambda w: {}, Staff()),
    "admin:accounts_user_changelist": (lambda w: {}, Staff()),
    # The apprenticeship and everything of it
    "progress:apprenticeship-home": (_pk("apprenticeship"), On(Action.VIEW)),
    "progress:gateway": (_pk("apprenticeship"), On(Action.MARK_GATEWAY)),
    "progress:gateway-mark": (
        _pk("apprenticeship"),
        On(Action.MARK_GATEWAY, post={"note": "Walk"}, post_only=True),
    ),
    "progress:scan-validate": (
        _pk("submitted"),
        On(Action.VALIDATE_SCAN, post={"action": "save"}),
    ),
    "progress:portfolio": (_pk("apprenticeship"), On(Action.VIEW_PORTFOLIO)),
    "progress:portfolio-csv": (_pk("apprenticeship"), On(Action.EXPORT)),
    # The portfolio's PDF and zip, built as a job of whoever asks (tests/progress/
    # test_portfolio_assessor.py follows the job to its file).
    "progress:portfolio-build-pdf": (
        _pk("apprenticeship"),
        On(Action.VIEW_PORTFOLIO, post={}, post_only=True),
    ),
    "progress:portfolio-build-zip": (
        _pk("apprenticeship"),
        On(Action.VIEW_PORTFOLIO, post={}, post_only=True),
    ),
    "progress:apprenticeship-move": (_pk("apprenticeship"), On(Action.MOVE_STANDARD)),
    "progress:review-prefill": (
        _pk("review"),
        On(Action.RECORD_REVIEW, post={}, post_only=True),
    ),
    "accounts:apprenticeship-edit": (
        _pk("apprenticeship"),
        On(
            Action.EDIT_APPRENTICESHIP,
            post=lambda w: {
                "mentor": w["users"]["mentor"].pk,
                "start_date": w["apprenticeship"].start_date.isoformat(),
                "planned_end_date": w["apprenticeship"].planned_end_date.isoformat(),
                "weekly_hours": "30",
                "otj_target_hours": "",
            },
        ),
    ),
    "accounts:apprenticeship-provider": (
        _pk("apprenticeship"),
        On(Action.EDIT_APPRENTICESHIP, post=lambda w: {"provider": w["southwark"].pk}),
    ),
    "accounts:apprenticeship-tutor": (
        _pk("apprenticeship"),
        On(Action.ASSIGN_TUTOR, post=lambda w: {"tutor": w["users"]["former_tutor"].pk}),
    ),
    "accounts:apprenticeship-status": (
        _pk("apprenticeship"),
        On(Action.CHANGE_STATUS, post={"status": "paused", "reason": "Walk"}),
    ),
    "skillscan:scan-history": (_pk("apprenticeship"), On(Action.VIEW)),
    "skillscan:scan-start": (
        _pk("apprenticeship"),
        On(Action.RATE, post={"stage": "review"}, post_only=True),
    ),
    "skillscan:scan-results": (_pk("submitted"), On(Action.VIEW)),
    "skillscan:scan-csv": (_pk("submitted"), On(Action.EXPORT)),
    "skillscan:scan-rate": (
        lambda w: {"pk": w["draft"].pk, "section": "k"},
        On(Action.RATE, post={"action": "save"}),
    ),
    "skillscan:scan-submit": (_pk("draft"), On(Action.SUBMIT_SCAN, post={})),
    "tracker:evidence-list": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:evidence-create": (_pk("apprenticeship"), On(Action.LOG_EVIDENCE, post=EVIDENCE_FORM)),
    "tracker:evidence-detail": (_pk("accepted_evidence"), On(Action.VIEW_PORTFOLIO)),
    "tracker:evidence-update": (_pk("evidence"), On(Action.LOG_EVIDENCE, post=EVIDENCE_FORM)),
    "tracker:evidence-delete": (_pk("evidence"), On(Action.LOG_EVIDENCE, post={})),
    "tracker:evidence-submit": (_pk("evidence"), On(Action.LOG_EVIDENCE, post={}, post_only=True)),
    "tracker:evidence-decide": (
        _pk("submitted_evidence"),
        On(
            Action.DECIDE_EVIDENCE,
            post=lambda w: {"decision": "accepted", "ksbs": [w["standard"].ksbs.first().pk]},
            post_only=True,
        ),
    ),
    "tracker:evidence-withdraw": (
        _pk("submitted_evidence"),
        On(Action.WITHDRAW_EVIDENCE, post={}),
    ),
    "tracker:evidence-comment": (
        _pk("submitted_evidence"),
        On(Action.COMMENT_ON_EVIDENCE, post={"comment": "Walk"}, post_only=True),
    ),
    "tracker:evidence-file": (_pk("accepted_evidence"), On(Action.VIEW_PORTFOLIO)),
    "tracker:duty-list": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:duty-detail": (_duty(1), On(Action.VIEW)),
    "tracker:duty-sign-off": (_duty(1), On(Action.SIGN_OFF_DUTY, post=sign_off_form)),
    "tracker:duty-sign-off-undo": (_duty(2), On(Action.SIGN_OFF_DUTY, post={"reason": "Walk"})),
    "tracker:hours": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:timesheet-add": (
        _pk("apprenticeship"),
        On(Action.LOG_HOURS, post=TIMESHEET_FORM, post_only=True),
    ),
    "tracker:timesheet-decide": (
        _timesheet_entry,
        On(Action.DECIDE_HOURS, post={"decision": "accepted"}, post_only=True),
    ),
    "tracker:timesheet-withdraw": (_timesheet_entry, On(Action.LOG_HOURS, post={})),
    "tracker:time-off-add": (
        _pk("apprenticeship"),
        On(Action.RECORD_TIME_OFF, post=TIME_OFF_FORM, post_only=True),
    ),
    "tracker:time-off-withdraw": (_time_off, On(Action.RECORD_TIME_OFF, post={})),
    "tracker:working-hours-change": (
        _pk("apprenticeship"),
        On(
            Action.RECORD_TIME_OFF,
            post={"from_date": date.today().isoformat(), "weekly_hours": "20"},
            post_only=True,
        ),
    ),
    "tracker:progress-review-list": (_pk("apprenticeship"), On(Action.VIEW)),
    "tracker:progress-review-create": (
        _pk("apprenticeship"),
        On(Action.RECORD_REVIEW, post=REVIEW_FORM),
    ),
    "tracker:progress-review-detail": (_pk("review"), On(Action.VIEW)),
    "tracker:progress-review-update": (_pk("review"), On(Action.RECORD_REVIEW, post=REVIEW_FORM)),
    "tracker:progress-review-sign": (
        _pk("review"),
        On(Action.SIGN_REVIEW, post={"agree": "on"}, post_only=True),
    ),
    "tracker:progress-review-schedule": (
        _pk("apprenticeship"),
        On(Action.RECORD_REVIEW, post=SCHEDULE_FORM),
    ),
    # The world's review has been held: it can no longer move (a redirect with a message).
    "tracker:progress-review-reschedule": (
        _pk("review"),
        On(Action.RECORD_REVIEW, post=SCHEDULE_FORM, get_status=302),
    ),
    # The world's review is not signed (no PDF) and was not scheduled (no .ics): a 404 after
    # the permission check.
    "tracker:progress-review-pdf": (_pk("review"), On(Action.VIEW, get_status=404)),
    "tracker:progress-review-ics": (_pk("review"), On(Action.VIEW, get_status=404)),
    "tracker:progress-review-action-create": (
        _pk("review"),
        On(
            Action.RECORD_REVIEW,
            post={"text": "Walk", "owner": "employer", "due_on": date.today().isoformat()},
        ),
    ),
    "tracker:progress-review-action-state": (
        _review_action,
        On(Action.RECORD_REVIEW, post={"state": "done"}, post_only=True),
    ),
    "tracker:progress-review-concern-create": (
        _pk("review"),
        On(Action.SEE_SAFEGUARDING, post={"note": "Walk"}),
    ),
    # The training plan (the world's is made on first use: _plan_activity)
    "tracker:plan": (_plan, On(Action.VIEW)),
    # No validated scan in the world: the proposal is refused with a message (a redirect).
    "tracker:plan-propose": (_plan, On(Action.EDIT_PLAN, post={"confirm": "on"}, post_only=True)),
    "tracker:plan-sign": (_plan, On(Action.SIGN_PLAN, post={"agree": "on"}, post_only=True)),
    "tracker:plan-activity-add": (_plan, On(Action.EDIT_PLAN, post=PLAN_ACTIVITY_FORM)),
    "tracker:plan-activity-edit": (_plan_activity, On(Action.EDIT_PLAN, post=PLAN_ACTIVITY_FORM)),
    "tracker:plan-activity-remove": (_plan_activity, On(Action.EDIT_PLAN, post={})),
    "tracker:plan-activity-evidence": (
        _plan_activity,
        On(Action.LOG_EVIDENCE, post={}, post_only=True),
    ),
    # The end-point assessment hand-off. The world's apprenticeship is active: inviting an
    # assessor and recording a step are refused with a message (a redirect).
    "accounts:epa": (
        _pk("apprenticeship"),
        On(
            Action.VIEW,
            post={"kind": "booked", "on": date.today().isoformat(), "outcome": "", "note": ""},
            post_action=Action.RECORD_EPA,
        ),
    ),
    "accounts:assessor-access": (_pk("apprenticeship"), On(Action.INVITE_ASSESSOR)),
    "accounts:assessor-invite": (
        _pk("apprenticeship"),
        On(
            Action.INVITE_ASSESSOR,
            # Dated when sent (a run that passes midnight would send yesterday: refused).
            post=lambda world: {
                "email": "eve.assessor@example.com",
                "assessment_organisation": "Walk EPAO",
                "expires_on": (date.today() + timedelta(days=30)).isoformat(),
            },
        ),
    ),
    "accounts:assessor-revoke": (_pk("assessor_access"), On(Action.INVITE_ASSESSOR, post={})),
    # Acme Digital
    "accounts:organisation-detail": (_pk("acme"), On(Action.SEE_ORGANISATION, ORG)),
    "progress:organisation-moves": (_pk("acme"), On(Action.MOVE_STANDARD, ORG)),
    "accounts:organisation-settings": (
        _pk("acme"),
        On(
            Action.MANAGE_PEOPLE,
            ORG,
            post={
                "review_interval_weeks": "12",
                "evidence_waiting_days": "5",
                "scan_interval_weeks": "26",
                "decisions_by": "either",
            },
            post_only=True,
        ),
    ),
    "accounts:apprentice-invite": (
        _pk("acme"),
        On(
            Action.MANAGE_PEOPLE,
            ORG,
            post=lambda w: {**INVITE_APPRENTICE, "standard": w["standard"].pk},
        ),
    ),
    "accounts:bulk-enrol": (_pk("acme"), On(Action.BULK_ENROL, ORG, post=_bulk_file)),
    "accounts:bulk-enrol-template": (_pk("acme"), On(Action.BULK_ENROL, ORG)),
    "accounts:member-invite": (
        _pk("acme"),
        On(
            Action.MANAGE_PEOPLE,
            ORG,
            post={"email": "new.member@example.com", "full_name": "New", "role": "mentor"},
        ),
    ),
    "accounts:partnership-propose": (
        _pk("acme"),
        On(
            Action.MANAGE_PARTNERSHIPS,
            ORG,
            post=lambda w: {"provider": w["westbrook"].pk},
        ),
    ),
    # Eastgate Academy proposed; Acme answers.
    "accounts:partnership-accept": (
        _pk("proposal"),
        On(Action.MANAGE_PARTNERSHIPS, ORG, post={}, post_only=True),
    ),
    # Acme and Northwind's: either side may end it.
    "accounts:partnership-end": (
        _pk("partnership"),
        On(Action.MANAGE_PARTNERSHIPS, EITHER_ORG, post={}),
    ),
    "accounts:invitation-resend": (
        _pk("invitation"),
        On(Action.MANAGE_PEOPLE, ORG, post={}, post_only=True),
    ),
    "accounts:invitation-revoke": (_pk("invitation"), On(Action.MANAGE_PEOPLE, ORG, post={})),
}
MISSING = {
    "standards:standard-latest": {"reference": "ST9999"},
    "standards:standard-detail": {"reference": "ST0825", "version": "9.9"},
    "standards:standard-compare": {"reference": "ST0825", "old": "1.0", "new": "9.9"},
    "accounts:invitation-accept": {"token": "no-such-token"},
    "accounts:assessor-accept": {"token": "no-such-token"},
}
PUBLIC_NAMES = {name for name, (_, need) in URLS.items() if isinstance(need, Public)}


def missing_kwargs(name, world):
    """The URL's kwargs pointing at an object that does not exist."""
    if name in MISSING:
        return MISSING[name]
    kwargs, _ = URLS[name]
    return {**kwargs(world), "pk": 999999}
