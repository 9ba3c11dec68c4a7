"""The one place that declares every notification: what sets it off, who receives it (roles
of the permission table), how it reaches them (at once, as a reminder on a schedule, or only
in a digest), whether it may be switched off, and its words. Inbox items, e-mails, reminders,
digests, the preferences page and the README's list all read this table."""

from dataclasses import dataclass

from django.db import models

from accounts.permissions import Role


class Kind(models.TextChoices):
    # Immediate: sent when something happens.
    SCAN_SUBMITTED = "scan_submitted", "Skills scan submitted"
    SCAN_VALIDATED = "scan_validated", "Skills scan validated"
    EVIDENCE_SUBMITTED = "evidence_submitted", "Evidence submitted for review"
    EVIDENCE_ACCEPTED = "evidence_accepted", "Evidence accepted"
    EVIDENCE_CHANGES = "evidence_changes", "Changes asked for on evidence"
    EVIDENCE_REPLY = "evidence_reply", "A reply on evidence"
    DUTY_SIGNED_OFF = "duty_signed_off", "Duty signed off"
    REVIEW_TO_SIGN = "review_to_sign", "Progress review waiting for your signature"
    REVIEW_SIGNED = "review_signed", "Progress review signed by all"
    SAFEGUARDING_CONCERN = "safeguarding_concern", "Safeguarding concern raised at a review"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    STATUS_CHANGED = "status_changed", "Apprenticeship status changed"
    PLAN_TO_SIGN = "plan_to_sign", "Training plan waiting for your signature"
    PLAN_AGREED = "plan_agreed", "Training plan signed by all"
    HOURS_SUBMITTED = "hours_submitted", "Timesheet hours waiting for a decision"
    HOURS_DECIDED = "hours_decided", "Timesheet hours accepted or returned"
    # Reminders: sent on a schedule by send_reminders.
    REVIEW_DUE = "review_due", "Progress review due within 7 days"
    REVIEW_OVERDUE = "review_overdue", "Progress review overdue"
    EVIDENCE_WAITING = "evidence_waiting", "Evidence waiting for review"
    EVIDENCE_WAITING_LONG = "evidence_waiting_long", "Evidence waiting for review for long"
    HOURS_BEHIND = "hours_behind", "Behind on off-the-job hours"
    SCAN_NOT_STARTED = "scan_not_started", "Skills scan not started"
    SCAN_DUE = "scan_due", "Review skills scan due"


class Channel(models.TextChoices):
    """How a person wants a kind of notification."""

    EMAIL = "email", "E-mail at once"
    DIGEST = "digest", "In my digest e-mail"
    INAPP = "inapp", "Only in my inbox"
    OFF = "off", "Off"


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", "when it happens"
    REMINDER = "reminder", "on a schedule"
    DIGEST_ONLY = "digest", "only in the digest"


@dataclass(frozen=True)
class Entry:
    kind: Kind
    mode: Mode
    # Roles on the apprenticeship that receive it; ``fallback`` stands in for the mentor when
    # the apprenticeship has none (a scan submitted with no mentor goes to the managers).
    roles: frozenset
    when: str  # what sets it off, in words (the README and the preferences page)
    fallback: frozenset = frozenset()
    default: Channel = Channel.EMAIL
    mandatory: bool = False  # cannot be switched off


A, MEN, MAN = Role.APPRENTICE, Role.MENTOR, Role.MANAGER
# The tutor hears what the mentor hears (a provider manager stands in when there is none).
TUT = Role.TUTOR
EMPLOYERS = frozenset({MEN, MAN})

ENTRIES = {}


def _declare(*entries):
    for entry in entries:
        ENTRIES[entry.kind] = entry


_declare(
    Entry(
        Kind.SCAN_SUBMITTED,
        Mode.IMMEDIATE,
        frozenset({MEN, TUT}),
        "the apprentice submits a skills scan",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.SCAN_VALIDATED,
        Mode.IMMEDIATE,
        frozenset({A}),
        "the employer validates the apprentice's skills scan (with the disagreements)",
    ),
    Entry(
        Kind.EVIDENCE_SUBMITTED,
        Mode.IMMEDIATE,
        frozenset({MEN, TUT}),
        "the apprentice submits evidence for review",
        fallback=frozenset({MAN}),
    ),
    Entry(Kind.EVIDENCE_ACCEPTED, Mode.IMMEDIATE, frozenset({A}), "evidence is accepted"),
    Entry(
        Kind.EVIDENCE_CHANGES,
        Mode.IMMEDIATE,
        frozenset({A}),
        "the employer asks for changes to evidence",
    ),
    Entry(
        Kind.EVIDENCE_REPLY,
        Mode.IMMEDIATE,
        frozenset({A, MEN, TUT}),
        "someone comments on evidence (everyone on it but the writer)",
        fallback=frozenset({MAN}),
    ),
    Entry(Kind.DUTY_SIGNED_OFF, Mode.IMMEDIATE, frozenset({A}), "the employer signs off a duty"),
    Entry(
        Kind.REVIEW_TO_SIGN,
        Mode.IMMEDIATE,
        frozenset({A, MEN, TUT}),
        "a party signs a progress review (to the parties yet to sign; a provider manager when "
        "there is no tutor)",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.REVIEW_SIGNED,
        Mode.IMMEDIATE,
        frozenset({A, MEN, TUT}),
        "the last party signs a progress review (a provider manager when there is no tutor)",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.SAFEGUARDING_CONCERN,
        Mode.IMMEDIATE,
        frozenset({TUT, Role.PROVIDER_MANAGER}),
        "a safeguarding concern is raised at a progress review (to the provider's designated "
        "safeguarding lead, else its managers)",
    ),
    Entry(
        Kind.INVITATION_ACCEPTED,
        Mode.IMMEDIATE,
        frozenset(),
        "someone accepts an invitation (to the person who invited them)",
    ),
    Entry(
        Kind.STATUS_CHANGED,
        Mode.IMMEDIATE,
        frozenset({A, MEN, MAN, TUT}),
        "the apprenticeship is marked at gateway, paused, resumed, withdrawn or completed",
    ),
    Entry(
        Kind.PLAN_TO_SIGN,
        Mode.IMMEDIATE,
        frozenset({A, MEN, TUT}),
        "a training plan is proposed, signed by a party, or changed after a signature (to the "
        "parties yet to sign; a provider manager when there is no tutor)",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.PLAN_AGREED,
        Mode.IMMEDIATE,
        frozenset({A, MEN, TUT}),
        "the last party signs the training plan (a provider manager when there is no tutor)",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.HOURS_SUBMITTED,
        Mode.IMMEDIATE,
        frozenset({MEN, TUT}),
        "the apprentice logs off-the-job hours on the timesheet (to the party that decides, "
        "as the employer chose)",
        fallback=frozenset({MAN}),
        default=Channel.DIGEST,
    ),
    Entry(
        Kind.HOURS_DECIDED,
        Mode.IMMEDIATE,
        frozenset({A}),
        "the employer or the provider accepts or returns timesheet hours",
    ),
    Entry(
        Kind.REVIEW_DUE,
        Mode.REMINDER,
        frozenset({A, MEN, TUT}),
        "the next progress review is due within 7 days (once per due date)",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.REVIEW_OVERDUE,
        Mode.REMINDER,
        frozenset({A, MEN, TUT}),
        "the progress review is overdue (then once a week while it stays overdue)",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.EVIDENCE_WAITING,
        Mode.REMINDER,
        frozenset({MEN, TUT}),
        "evidence has waited for review more than the organisation's threshold "
        "(5 working days by default)",
        fallback=frozenset({MAN}),
    ),
    Entry(
        Kind.EVIDENCE_WAITING_LONG,
        Mode.REMINDER,
        frozenset({MAN}),
        "evidence has waited for review more than twice that threshold (10 working days)",
    ),
    Entry(
        Kind.HOURS_BEHIND,
        Mode.REMINDER,
        frozenset({A}),
        "the accepted off-the-job hours are behind the expected line (at most once a week)",
    ),
    Entry(
        Kind.SCAN_NOT_STARTED,
        Mode.REMINDER,
        frozenset({A}),
        "no skills scan has been started 4 weeks after the start date",
    ),
    Entry(
        Kind.SCAN_DUE,
        Mode.REMINDER,
        frozenset({A}),
        "a review skills scan is due: the organisation's scan interval has passed since the "
        "latest validated scan",
    ),
)


def entry(kind):
    return ENTRIES[Kind(kind)]


# E-mails the outbox always sends and nobody can switch off (no preference is kept for them).
ALWAYS_SENT = {
    "invitation": "an invitation to join (to the person invited)",
    "account": "confirming an address and resetting a password (to the account's owner)",
}


def _who(item):
    if not item.roles:
        return "the person who sent the invitation"
    names = [role.label for role in Role if role in item.roles]
    who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    if item.fallback:
        others = " and ".join(role.label for role in Role if role in item.fallback)
        who += f" ({others} when there is no mentor)"
    return who


def markdown_table():
    """Every notification as the README lists it: who gets it, when, and how."""
    lines = [
        "| notification | who gets it | when | sent |",
        "|---|---|---|---|",
    ]
    for item in ENTRIES.values():
        lines.append(f"| {item.kind.label} | {_who(item)} | {item.when} | {item.mode.label} |")
    for kind, when in ALWAYS_SENT.items():
        lines.append(f"| {kind.capitalize()} e-mail | the person it is for | {when} | always |")
    return "\n".join(lines)
