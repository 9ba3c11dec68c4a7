"""The words of each immediate notification: a short title naming the apprentice and the thing,
one paragraph of body, and the path of the page to act on. Each function takes what the event
said (the apprenticeship, the record it is about, who acted, its details) and reads nothing
from the database that the emitting service has not loaded already, beyond a related row."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format

from accounts.models import Apprenticeship

from .catalogue import Kind


@dataclass(frozen=True)
class Words:
    title: str
    body: str
    url: str
    # The title the apprentice gets, about their own apprenticeship ("Your evidence ..."); the
    # others' title when empty.
    own_title: str = ""


def _name(apprenticeship):
    """The apprentice's name; while it is pending, the name on its latest invitation."""
    if apprenticeship.apprentice_id:
        return str(apprenticeship.apprentice)
    invited = (
        apprenticeship.invitations.order_by("-sent_at").values_list("full_name", flat=True).first()
    )
    return invited or "The invited apprentice"


def _who(actor, fallback="Someone"):
    return str(actor) if actor is not None else fallback


def _quoted(text):
    return f"“{text}”"


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def _day(value):
    return date_format(value, "j F Y")


def scan_submitted(apprenticeship, scan, actor, details):
    stage = scan.get_stage_display().lower()
    return Words(
        f"{_name(apprenticeship)} submitted their {stage} skills scan",
        f"Their {stage} skills scan for {apprenticeship.standard} is ready for you. Give your "
        "own score where you see it differently, explain each disagreement of 2 or more in a "
        "comment, and validate it.",
        reverse("progress:scan-validate", kwargs={"pk": scan.pk}),
    )


def scan_validated(apprenticeship, scan, actor, details):
    stage = scan.get_stage_display().lower()
    count = details.get("disagreements", 0)
    if count:
        outcome = (
            f"with {_plural(count, 'disagreement')}: where the two scores differ by 2 or "
            "more, the employer's comment says why, and the employer's score is the agreed one"
        )
    else:
        outcome = "with no disagreements"
    return Words(
        f"{_name(apprenticeship)}'s {stage} skills scan is validated",
        f"{_who(actor)} validated the {stage} skills scan {outcome}. The results show the "
        "agreed scores.",
        scan.get_absolute_url(),
        f"Your {stage} skills scan is validated",
    )


def evidence_submitted(apprenticeship, evidence, actor, details):
    return Words(
        f"{_name(apprenticeship)} submitted evidence {_quoted(evidence.title)}",
        "It waits for your review: accept it, deciding on each KSB it claims, or ask for "
        "changes with a comment.",
        evidence.get_absolute_url(),
    )


def _with_comment(sentence, comment):
    return f"{sentence} Their comment: {comment}" if comment else sentence


def evidence_accepted(apprenticeship, evidence, actor, details):
    accepted, claimed = details.get("accepted_ksbs"), details.get("claimed_ksbs")
    counted = (
        f" ({accepted} of its {_plural(claimed, 'KSB')} accepted)"
        if accepted is not None and claimed and accepted != claimed
        else ""
    )
    return Words(
        f"{_name(apprenticeship)}'s evidence {_quoted(evidence.title)} is accepted",
        _with_comment(f"{_who(actor)} accepted the evidence{counted}.", details.get("comment")),
        evidence.get_absolute_url(),
        f"Your evidence {_quoted(evidence.title)} is accepted",
    )


def evidence_changes(apprenticeship, evidence, actor, details):
    return Words(
        f"Changes asked for on {_name(apprenticeship)}'s evidence {_quoted(evidence.title)}",
        _with_comment(
            f"{_who(actor)} asked for changes: make them and submit the evidence again.",
            details.get("comment"),
        ),
        evidence.get_absolute_url(),
        f"Changes asked for on your evidence {_quoted(evidence.title)}",
    )


def evidence_reply(apprenticeship, evidence, actor, details):
    whose = (
        "their"
        if actor is not None and actor.pk == apprenticeship.apprentice_id
        else f"{_name(apprenticeship)}'s"
    )
    return Words(
        f"{_who(actor)} replied on {whose} evidence {_quoted(evidence.title)}",
        f"{_who(actor)} wrote: {details.get('comment', '')}",
        evidence.get_absolute_url(),
        f"{_who(actor)} replied on your evidence {_quoted(evidence.title)}",
    )


def duty_signed_off(apprenticeship, sign_off, actor, details):
    duty = sign_off.duty
    return Words(
        f"Duty {duty.number} signed off for {_name(apprenticeship)}",
        _with_comment(
            f"{_who(actor)} signed off duty {duty.number}, {_quoted(duty.description)}.",
            sign_off.note,
        ),
        sign_off.get_absolute_url(),
        f"Duty {duty.number} of your apprenticeship is signed off",
    )


def review_to_sign(apprenticeship, review, actor, details):
    return Words(
        f"{_name(apprenticeship)}'s progress review of {_day(review.held_on)} is ready to sign",
        f"{_who(actor)} signed the progress review. Read it and sign it for your part: once "
        "everyone has signed, it is final.",
        review.get_absolute_url(),
        f"Your progress review of {_day(review.held_on)} is ready for you to sign",
    )


def review_signed(apprenticeship, review, actor, details):
    return Words(
        f"{_name(apprenticeship)}'s progress review of {_day(review.held_on)} is signed by all",
        f"Everyone has signed the review, so it is final and its PDF is on its page. The "
        f"next one is due by {_day(review.next_due_on)}.",
        review.get_absolute_url(),
        f"Your progress review of {_day(review.held_on)} is signed by all",
    )


def safeguarding_concern(apprenticeship, review, actor, details):
    # The concern itself stays on the review's page, for the safeguarding roles only.
    return Words(
        f"A safeguarding concern was raised at {_name(apprenticeship)}'s progress review",
        f"{_who(actor)} raised a safeguarding concern. Read it on the review's page.",
        review.get_absolute_url(),
    )


def invitation_accepted(apprenticeship, invitation, actor, details):
    joined = _who(actor, invitation.full_name)
    if apprenticeship is not None:
        return Words(
            f"{joined} accepted your invitation onto their apprenticeship",
            f"{joined} has joined their {apprenticeship.standard} apprenticeship at "
            f"{apprenticeship.organisation}, which is now active.",
            apprenticeship.get_absolute_url(),
        )
    role = invitation.get_role_display().lower()
    return Words(
        f"{joined} accepted your invitation to join {invitation.organisation}",
        f"{joined} is now a {role} at {invitation.organisation}.",
        invitation.organisation.get_absolute_url(),
    )


S = Apprenticeship.Status
# The new status -> what the title says of the apprenticeship, after the apprentice's name.
_STATUS_WORDS = {S.GATEWAY: "is at gateway", S.PAUSED: "is paused", S.WITHDRAWN: "is withdrawn"}
_STATUS_WORDS |= {S.COMPLETED: "is completed", S.ACTIVE: "has resumed"}


def status_changed(apprenticeship, change, actor, details):
    to = S(details["to"])
    before = S(details["before"])
    reason = details.get("reason", "")
    url = (
        reverse("progress:gateway", kwargs={"pk": apprenticeship.pk})
        if to == S.GATEWAY
        else apprenticeship.get_absolute_url()
    )
    sentence = (
        f"{_who(actor)} changed the apprenticeship ({apprenticeship.standard}) from "
        f"{before.label.lower()} to {to.label.lower()}."
    )
    return Words(
        f"{_name(apprenticeship)}'s apprenticeship {_STATUS_WORDS[to]}",
        f"{sentence} The reason given: {reason}" if reason else sentence,
        url,
        f"Your apprenticeship {_STATUS_WORDS[to]}",
    )


def plan_to_sign(apprenticeship, plan, actor, details):
    why = {
        "proposed": f"{_who(actor)} proposed a training plan from the skills scan",
        "changed": f"{_who(actor)} changed the training plan after it was signed, so the "
        "signatures no longer count",
    }.get(details.get("why"), f"{_who(actor)} signed the training plan")
    return Words(
        f"{_name(apprenticeship)}'s training plan is ready to sign",
        f"{why}. Read the planned activities and sign the plan for your part: once every "
        "party has signed, it is the apprenticeship's agreed commitment.",
        reverse("tracker:plan", kwargs={"pk": apprenticeship.pk}),
        "Your training plan is ready for you to sign",
    )


def plan_agreed(apprenticeship, plan, actor, details):
    return Words(
        f"{_name(apprenticeship)}'s training plan is signed by all",
        f"{_who(actor)} signed last: the plan is agreed. A change to it from now on voids "
        "the signatures, and each party signs again.",
        reverse("tracker:plan", kwargs={"pk": apprenticeship.pk}),
        "Your training plan is signed by all",
    )


def _hours_line(entry):
    hours = entry.hours.normalize()
    unit = "hour" if hours == 1 else "hours"
    return f"{hours:f} {unit} on {_day(entry.on)} ({_quoted(entry.activity)})"


def hours_submitted(apprenticeship, entry, actor, details):
    return Words(
        f"{_name(apprenticeship)} logged off-the-job hours",
        f"Logged: {_hours_line(entry)}. Accept the hours, and they count, or return them "
        "with a comment saying why.",
        reverse("tracker:hours", kwargs={"pk": apprenticeship.pk}) + "#timesheet-heading",
    )


def hours_decided(apprenticeship, entry, actor, details):
    accepted = details.get("decision") == "accepted"
    verb = "accepted" if accepted else "returned"
    return Words(
        f"{_name(apprenticeship)}'s timesheet hours are {verb}",
        _with_comment(
            f"{_who(actor)} {verb} {_hours_line(entry)}"
            + (": they count in the hours." if accepted else "."),
            details.get("comment"),
        ),
        reverse("tracker:hours", kwargs={"pk": apprenticeship.pk}) + "#timesheet-heading",
        f"Your timesheet hours are {verb}",
    )


WORDS = {
    Kind.SCAN_SUBMITTED: scan_submitted,
    Kind.SCAN_VALIDATED: scan_validated,
    Kind.EVIDENCE_SUBMITTED: evidence_submitted,
    Kind.EVIDENCE_ACCEPTED: evidence_accepted,
    Kind.EVIDENCE_CHANGES: evidence_changes,
    Kind.EVIDENCE_REPLY: evidence_reply,
    Kind.DUTY_SIGNED_OFF: duty_signed_off,
    Kind.REVIEW_TO_SIGN: review_to_sign,
    Kind.REVIEW_SIGNED: review_signed,
    Kind.SAFEGUARDING_CONCERN: safeguarding_concern,
    Kind.INVITATION_ACCEPTED: invitation_accepted,
    Kind.STATUS_CHANGED: status_changed,
    Kind.PLAN_TO_SIGN: plan_to_sign,
    Kind.PLAN_AGREED: plan_agreed,
    Kind.HOURS_SUBMITTED: hours_submitted,
    Kind.HOURS_DECIDED: hours_decided,
}


def words_for(kind, apprenticeship, about, actor, details):
    return WORDS[Kind(kind)](apprenticeship, about, actor, details)
