"""The one table: which roles may take which action (see the package's docstring)."""

import functools

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    APPRENTICE = "apprentice", "the apprentice"
    MENTOR = "mentor", "the mentor"
    MANAGER = "manager", "a manager of the organisation"
    TUTOR = "tutor", "the tutor"
    PROVIDER_MANAGER = "provider_manager", "a manager of the training provider"
    ADMIN = "admin", "a service admin"
    ASSESSOR = "assessor", "the end-point assessor"

    @property
    def is_apprentice(self):
        return self == Role.APPRENTICE

    @property
    def party(self):
        """Which of the three parties the role acts for: "apprentice", "employer" or
        "provider" (a service admin acts for the employer); an end-point assessor acts for no
        party and records nothing ("assessor")."""
        if self == Role.APPRENTICE:
            return "apprentice"
        if self == Role.ASSESSOR:
            return "assessor"
        return "provider" if self in PROVIDER else "employer"

    @property
    def is_provider(self):
        return self in PROVIDER

    @property
    def can(self):
        """{action: bool} for templates: ``{% if role.can.decide_evidence %}``."""
        return _flags(self)


class Action(models.TextChoices):
    # On an apprenticeship
    VIEW = "view", "see the apprenticeship and its records"
    EXPORT = "export", "download its portfolio and scans"
    RATE = "rate", "start a skills scan and rate it"
    SUBMIT_SCAN = "submit_scan", "submit a skills scan"
    VALIDATE_SCAN = "validate_scan", "validate a skills scan"
    LOG_EVIDENCE = "log_evidence", "log, change, submit and delete evidence"
    DECIDE_EVIDENCE = "decide_evidence", "accept evidence or ask for changes"
    WITHDRAW_EVIDENCE = "withdraw_evidence", "withdraw submitted evidence before it is decided"
    COMMENT_ON_EVIDENCE = "comment_on_evidence", "comment on submitted evidence"
    SIGN_OFF_DUTY = "sign_off_duty", "sign off a duty or undo a sign-off"
    RECORD_REVIEW = "record_review", "record a progress review and sign it for the employer"
    COUNTERSIGN_REVIEW = "countersign_review", "add comments to a progress review and sign it"
    EDIT_APPRENTICESHIP = "edit_apprenticeship", "change the mentor, dates and hours"
    MARK_GATEWAY = "mark_gateway", "mark the apprenticeship at gateway"
    AGREE_GATEWAY = (
        "agree_gateway",
        "agree for the employer that the apprentice is ready for gateway",
    )
    CHANGE_STATUS = "change_status", "pause, resume, withdraw or complete the apprenticeship"
    MOVE_STANDARD = (
        "move_standard",
        "move the apprenticeship to a newer version of its standard",
    )
    JOIN = "join", "start the apprenticeship by accepting its invitation"
    SIGN_REVIEW = "sign_review", "sign a progress review for their party"
    SEE_SAFEGUARDING = "see_safeguarding", "see safeguarding concerns raised at reviews"
    ASSIGN_TUTOR = "assign_tutor", "choose the apprenticeship's tutor"
    VIEW_PORTFOLIO = "view_portfolio", "see the portfolio, its evidence and files"
    EDIT_PLAN = "edit_plan", "propose and change the training plan"
    SIGN_PLAN = "sign_plan", "sign the training plan for their party"
    LOG_HOURS = "log_hours", "log off-the-job hours on a timesheet"
    DECIDE_HOURS = "decide_hours", "accept or return timesheet hours"
    RECORD_TIME_OFF = "record_time_off", "record time off and a change of working hours"
    INVITE_ASSESSOR = "invite_assessor", "invite an end-point assessor and see what they viewed"
    RECORD_EPA = "record_epa", "record the end-point assessment's booking, outcome and certificate"
    # On an organisation
    SEE_ORGANISATION = "see_organisation", "see the organisation's people and invitations"
    MANAGE_PEOPLE = "manage_people", "invite people, resend and revoke invitations"
    MANAGE_PARTNERSHIPS = (
        "manage_partnerships",
        "propose, accept and end partnerships with other organisations",
    )
    SEE_CASELOAD = "see_caseload", "see the training provider's caseload"
    BULK_ENROL = "bulk_enrol", "enrol apprentices in bulk from a CSV file"


EMPLOYER = frozenset({Role.MENTOR, Role.MANAGER, Role.ADMIN})
PROVIDER = frozenset({Role.TUTOR, Role.PROVIDER_MANAGER})
# Everyone with a part in the apprenticeship: all roles but the end-point assessor, who only
# reads the portfolio for a while.
EVERYONE = frozenset(Role) - {Role.ASSESSOR}
MANAGERS = frozenset({Role.MANAGER, Role.PROVIDER_MANAGER, Role.ADMIN})

# The one table: which roles may take each action.
PERMISSIONS = {
    Action.VIEW: EVERYONE,
    Action.EXPORT: EVERYONE,
    Action.RATE: frozenset({Role.APPRENTICE}),
    Action.SUBMIT_SCAN: frozenset({Role.APPRENTICE}),
    Action.VALIDATE_SCAN: EMPLOYER | PROVIDER,
    Action.LOG_EVIDENCE: frozenset({Role.APPRENTICE}),
    Action.DECIDE_EVIDENCE: EMPLOYER | PROVIDER,
    Action.WITHDRAW_EVIDENCE: frozenset({Role.APPRENTICE}),
    Action.COMMENT_ON_EVIDENCE: EVERYONE,
    Action.SIGN_OFF_DUTY: EMPLOYER | PROVIDER,
    Action.RECORD_REVIEW: EMPLOYER | PROVIDER,
    Action.COUNTERSIGN_REVIEW: frozenset({Role.APPRENTICE}),
    Action.EDIT_APPRENTICESHIP: frozenset({Role.MANAGER, Role.ADMIN}),
    Action.MARK_GATEWAY: EMPLOYER | PROVIDER,
    Action.AGREE_GATEWAY: EMPLOYER,
    Action.CHANGE_STATUS: frozenset({Role.MANAGER, Role.ADMIN}),
    Action.MOVE_STANDARD: frozenset({Role.MANAGER, Role.ADMIN}),
    Action.JOIN: frozenset({Role.APPRENTICE}),
    Action.SIGN_REVIEW: EVERYONE - {Role.ADMIN},
    Action.SEE_SAFEGUARDING: PROVIDER | {Role.ADMIN},
    Action.ASSIGN_TUTOR: frozenset({Role.PROVIDER_MANAGER, Role.ADMIN}),
    Action.SEE_ORGANISATION: EMPLOYER | PROVIDER,
    Action.MANAGE_PEOPLE: MANAGERS,
    Action.MANAGE_PARTNERSHIPS: MANAGERS,
    Action.SEE_CASELOAD: PROVIDER | {Role.ADMIN},
    Action.VIEW_PORTFOLIO: EVERYONE | {Role.ASSESSOR},
    Action.EDIT_PLAN: EMPLOYER | PROVIDER,
    Action.SIGN_PLAN: EVERYONE - {Role.ADMIN},
    Action.LOG_HOURS: frozenset({Role.APPRENTICE}),
    Action.DECIDE_HOURS: EMPLOYER | PROVIDER,
    Action.RECORD_TIME_OFF: EMPLOYER | PROVIDER,
    Action.INVITE_ASSESSOR: PROVIDER | {Role.ADMIN},
    Action.RECORD_EPA: PROVIDER | {Role.MANAGER, Role.ADMIN},
    Action.BULK_ENROL: MANAGERS,
}
ORGANISATION_ACTIONS = frozenset(
    {
        Action.SEE_ORGANISATION,
        Action.MANAGE_PEOPLE,
        Action.MANAGE_PARTNERSHIPS,
        Action.SEE_CASELOAD,
        Action.BULK_ENROL,
    }
)
# The decisions an employer gives to itself, to its provider or to either
# (Organisation.decisions_by), for the apprenticeships a provider delivers.
SHARED_DECISIONS = frozenset(
    {Action.VALIDATE_SCAN, Action.DECIDE_EVIDENCE, Action.DECIDE_HOURS, Action.SIGN_OFF_DUTY}
)


@functools.cache
def _flags(role):
    return {action.value: may(role, action) for action in Action}


def may(role, action):
    """May ``role`` (a Role or None) take ``action``?"""
    return role is not None and role in PERMISSIONS[action]


def deciding_party(apprenticeship):
    """Who acts on the shared decisions of ``apprenticeship``: "employer", "provider" or
    "either"; the employer alone when no provider delivers it. Reads the organisation (the
    caller selects it with the apprenticeship where that matters)."""
    if not apprenticeship.provider_id:
        return "employer"
    return apprenticeship.organisation.decisions_by


def allowed(role, action, apprenticeship):
    """``may``, with the employer's choice of who acts on the shared decisions: the party it
    chose (a service admin may always act)."""
    if not may(role, action):
        return False
    if action not in SHARED_DECISIONS or role == Role.ADMIN:
        return True
    party = deciding_party(apprenticeship)
    return party == "either" or party == role.party


def can_on(role, apprenticeship):
    """{action: bool} for templates on one apprenticeship: ``role.can`` with the employer's
    choice of who acts applied."""
    flags = dict(_flags(role)) if role is not None else {}
    if role is None:
        return flags
    for action in SHARED_DECISIONS:
        flags[action.value] = allowed(role, action, apprenticeship)
    return flags


def who_may(action):
    """The roles allowed ``action``, in words: "the mentor, a manager of the organisation or a
    service admin"."""
    labels = [role.label for role in Role if role in PERMISSIONS[action]]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


class NotAllowed(PermissionDenied):
    """The user sees the object but their role may not take the action (a 403)."""

    def __init__(self, action):
        self.action = action
        super().__init__(f"Only {who_may(action)} may {action.label}.")


class NotChosen(NotAllowed):
    """The role may take the action, but the employer gave it to the other party."""

    def __init__(self, action, party):
        self.action = action
        PermissionDenied.__init__(
            self, f"On this apprenticeship only {PARTY_WORDS[party]} may {action.label}."
        )


PARTY_WORDS = {"employer": "the employer", "provider": "the training provider"}


def require(role, action, apprenticeship=None):
    """Raise NotAllowed unless ``role`` may take ``action`` (on ``apprenticeship``, when given:
    see ``allowed``)."""
    if (
        apprenticeship is not None
        and may(role, action)
        and not allowed(role, action, apprenticeship)
    ):
        raise NotChosen(action, deciding_party(apprenticeship))
    if not may(role, action):
        raise NotAllowed(action)


def roles_allowed(action):
    """The roles that may take ``action``."""
    return PERMISSIONS[action]


# --- the table in words ---------------------------------------------------------------------


def markdown_table():
    """The permission table as the README shows it: a row per action, a column per role."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        marks = " | ".join("yes" if may(role, action) else "" for role in roles)
        lines.append(f"| {action.label} | {marks} |")
    return "\n".join(lines)
