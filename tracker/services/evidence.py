"""Evidence: the apprentice's record of what they did, and the employer's decision on it."""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Party
from accounts.permissions import Action, check
from core.events import emit
from core.once import created_once

from ..models import Evidence, EvidenceFeedback, KSBDecision
from .errors import TrackerError


def _delete_file_on_commit(name):
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def _check_ksbs(apprenticeship, ksbs):
    foreign = [ksb for ksb in ksbs if ksb.standard_id != apprenticeship.standard_id]
    if foreign:
        raise ValidationError(
            {"ksbs": "Choose KSBs of your own standard only."}, code="ksb_other_standard"
        )


def evidence_save(*, user, apprenticeship=None, evidence=None, submission_key=None, **changes):
    """Create (``apprenticeship``) or update (``evidence``) a piece of evidence while it is the
    apprentice's to change. ``attachment`` replaces the stored file; the old one is deleted
    once the change is committed. A creation is made once per form sent (``submission_key``):
    AlreadySubmitted with the evidence the same form made before."""
    if evidence is not None:
        return _evidence_save(user=user, evidence=evidence, **changes)
    return created_once(
        apprenticeship.evidence.all(),
        submission_key,
        lambda: _evidence_save(
            user=user,
            evidence=Evidence(apprenticeship=apprenticeship, submission_key=submission_key),
            **changes,
        ),
    )


def _evidence_save(
    *, user, evidence, fields, ksbs, attachment=None, attachment_type="", remove_attachment=False
):
    with transaction.atomic():
        if evidence.pk is not None:
            evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
            if not evidence.is_editable:
                raise TrackerError(
                    "This evidence has been submitted or accepted and can no longer be changed."
                )
        apprenticeship = evidence.apprenticeship
        check(user, apprenticeship, Action.LOG_EVIDENCE)
        _check_ksbs(apprenticeship, ksbs)
        old_file = evidence.attachment.name if evidence.attachment else ""
        for name, value in fields.items():
            setattr(evidence, name, value)
        if attachment is not None:
            evidence.attachment = attachment
            evidence.attachment_name = attachment.name[-255:]
            evidence.attachment_type = attachment_type
            # An object store keeps the type it is given: the checked one, never the browser's.
            attachment.content_type = attachment_type or "application/octet-stream"
        elif remove_attachment:
            evidence.attachment = ""
            evidence.attachment_name = ""
            evidence.attachment_type = ""
        evidence.full_clean(exclude=["attachment", "submission_key"])
        try:
            evidence.save()
        except IntegrityError:
            # The file is stored before the row is written; without the row nothing keeps it.
            if attachment is not None and evidence.attachment.name:
                default_storage.delete(evidence.attachment.name)
            raise
        evidence.ksbs.set(ksbs)
        if old_file and (attachment is not None or remove_attachment):
            _delete_file_on_commit(old_file)
    return evidence


def evidence_delete(*, evidence, user):
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        check(user, evidence.apprenticeship, Action.LOG_EVIDENCE)
        if not evidence.is_editable:
            raise TrackerError("Submitted or accepted evidence cannot be deleted.")
        name = evidence.attachment.name if evidence.attachment else ""
        evidence.delete()
        _delete_file_on_commit(name)


def evidence_submit(*, evidence, user):
    """Send the evidence for review: it needs at least one KSB."""
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        check(user, evidence.apprenticeship, Action.LOG_EVIDENCE)
        if not evidence.is_editable:
            raise TrackerError("This evidence has already been submitted.")
        if not evidence.ksbs.exists():
            raise TrackerError("Choose at least one KSB this evidence shows before submitting.")
        # No KSB counts as accepted until the next decision says so. The flags change before
        # the evidence is saved, whose signal refreshes the figures that read them.
        evidence.ksb_links.filter(accepted=True).update(accepted=False)
        evidence.status = Evidence.Status.SUBMITTED
        evidence.submitted_at = timezone.now()
        evidence.save(update_fields=["status", "submitted_at", "updated_at"])
        EvidenceFeedback.objects.create(
            evidence=evidence,
            author=user,
            decision=EvidenceFeedback.Decision.SUBMITTED,
            party=Party.APPRENTICE,
        )
        emit(
            "evidence_submitted", apprenticeship=evidence.apprenticeship, about=evidence, actor=user
        )
    return evidence


def _ksb_outcomes(evidence, decision, outcomes):
    """{KSB id: (accepted, reason)} for every KSB the evidence claims, checked: each KSB is one
    of the evidence's own; accepting needs at least one KSB accepted and a reason for each one
    not accepted. ``outcomes`` None accepts every KSB (the decision as a whole)."""
    claimed = set(evidence.ksb_links.values_list("ksb_id", flat=True))
    if decision != EvidenceFeedback.Decision.ACCEPTED:
        return {}
    if outcomes is None:
        return dict.fromkeys(claimed, (True, ""))
    if set(outcomes) - claimed:
        raise ValidationError(
            {"ksbs": "Decide only on the KSBs this evidence claims."}, code="ksb_not_claimed"
        )
    outcomes = {ksb: (bool(ok), (reason or "").strip()) for ksb, (ok, reason) in outcomes.items()}
    # A KSB left out of ``outcomes`` is not accepted.
    outcomes |= dict.fromkeys(claimed - set(outcomes), (False, ""))
    if not any(ok for ok, _ in outcomes.values()):
        raise ValidationError(
            {"ksbs": "Accept at least one KSB, or ask for changes instead."},
            code="no_ksb_accepted",
        )
    if any(not ok and not reason for ok, reason in outcomes.values()):
        raise ValidationError(
            {"ksbs": "Say why each KSB you do not accept is not shown."}, code="reason_required"
        )
    return outcomes


def evidence_decide(*, evidence, user, decision, comment, ksb_outcomes=None):
    """The employer accepts the evidence or asks for changes (with a comment). Accepting decides
    on each KSB it claims (``ksb_outcomes``, {KSB id: (accepted, reason)}; None accepts them
    all): at least one accepted, a reason for each one not. The decision and its outcome per KSB
    are kept as records; each KSB link's ``accepted`` follows it. The apprentice is told."""
    comment = comment.strip()
    if decision not in (
        EvidenceFeedback.Decision.ACCEPTED,
        EvidenceFeedback.Decision.CHANGES_REQUESTED,
    ):
        raise TrackerError("Choose to accept the evidence or to ask for changes.")
    if decision == EvidenceFeedback.Decision.CHANGES_REQUESTED and not comment:
        raise ValidationError({"comment": "Say what should change."}, code="comment_required")
    with transaction.atomic():
        evidence = (
            # Lock the evidence row only: the apprentice is the nullable side of a join.
            Evidence.objects.select_for_update(of=("self",))
            .select_related("apprenticeship__apprentice")
            .get(pk=evidence.pk)
        )
        role = check(user, evidence.apprenticeship, Action.DECIDE_EVIDENCE)
        if evidence.status != Evidence.Status.SUBMITTED:
            raise TrackerError("This evidence is not waiting for review.")
        outcomes = _ksb_outcomes(evidence, decision, ksb_outcomes)
        feedback = EvidenceFeedback.objects.create(
            evidence=evidence, author=user, decision=decision, party=role.party, comment=comment
        )
        KSBDecision.objects.bulk_create(
            KSBDecision(feedback=feedback, ksb_id=ksb, accepted=ok, reason=reason)
            for ksb, (ok, reason) in sorted(outcomes.items())
        )
        # The flags first: the evidence's save below refreshes the figures that read them.
        accepted = [ksb for ksb, (ok, _) in outcomes.items() if ok]
        evidence.ksb_links.filter(ksb_id__in=accepted).update(accepted=True)
        evidence.ksb_links.exclude(ksb_id__in=accepted).filter(accepted=True).update(accepted=False)
        evidence.status = decision
        evidence.save(update_fields=["status", "updated_at"])
        # In the same transaction: the apprentice is told if and only if the decision commits.
        emit(
            "evidence_accepted"
            if decision == EvidenceFeedback.Decision.ACCEPTED
            else "evidence_changes",
            apprenticeship=evidence.apprenticeship,
            about=evidence,
            actor=user,
            comment=comment,
            accepted_ksbs=len(accepted),
            claimed_ksbs=len(outcomes),
        )
    return evidence


def evidence_withdraw(*, evidence, user):
    """The apprentice takes submitted evidence back before it is decided: it is a draft again,
    to change or submit later, and the withdrawal is recorded."""
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        check(user, evidence.apprenticeship, Action.WITHDRAW_EVIDENCE)
        if evidence.status != Evidence.Status.SUBMITTED:
            raise TrackerError(
                "This evidence is no longer waiting for review, so it cannot be withdrawn: "
                "it has been decided on or withdrawn already."
            )
        evidence.status = Evidence.Status.DRAFT
        evidence.submitted_at = None
        evidence.save(update_fields=["status", "submitted_at", "updated_at"])
        EvidenceFeedback.objects.create(
            evidence=evidence,
            author=user,
            decision=EvidenceFeedback.Decision.WITHDRAWN,
            party=Party.APPRENTICE,
        )
    return evidence


COMMENT_MAX_LENGTH = 2000


def evidence_comment(*, evidence, user, comment):
    """A reply on the evidence's thread, by the apprentice or an employer, without changing the
    evidence: once it has been submitted (a draft is the apprentice's alone)."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Write your reply first."}, code="required")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": f"Keep a reply to {COMMENT_MAX_LENGTH} characters."}, code="max_length"
        )
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        role = check(user, evidence.apprenticeship, Action.COMMENT_ON_EVIDENCE)
        if evidence.status == Evidence.Status.DRAFT:
            raise TrackerError("Replies open once the evidence has been submitted.")
        feedback = EvidenceFeedback.objects.create(
            evidence=evidence,
            author=user,
            decision=EvidenceFeedback.Decision.COMMENT,
            party=role.party,
            comment=comment,
        )
        emit(
            "evidence_reply",
            apprenticeship=evidence.apprenticeship,
            about=evidence,
            actor=user,
            comment=comment,
        )
        return feedback
