"""Evidence: the apprentice's record of what they did, and the employer's decision on it."""

import logging
import smtplib

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.permissions import Action, check
from core.once import created_once

from ..models import Evidence, EvidenceFeedback
from .errors import TrackerError

logger = logging.getLogger(__name__)


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
        evidence.status = Evidence.Status.SUBMITTED
        evidence.submitted_at = timezone.now()
        evidence.save(update_fields=["status", "submitted_at", "updated_at"])
        EvidenceFeedback.objects.create(
            evidence=evidence, author=user, decision=EvidenceFeedback.Decision.SUBMITTED
        )
    return evidence


def _notify_decision(evidence, feedback, build_url):
    apprentice = evidence.apprenticeship.apprentice
    context = {
        "evidence": evidence,
        "feedback": feedback,
        "link": build_url(evidence.get_absolute_url()),
    }
    subject = " ".join(render_to_string("tracker/email/decision_subject.txt", context).split())
    body = render_to_string("tracker/email/decision_message.txt", context)
    try:
        send_mail(subject, body, None, [apprentice.email])
    except (OSError, smtplib.SMTPException):
        # The decision stands and shows on the apprentice's home page either way.
        logger.exception("Could not tell %s about evidence %s", apprentice.email, evidence.pk)


def evidence_decide(*, evidence, user, decision, comment, build_url):
    """The employer accepts the evidence or asks for changes (with a comment). The apprentice
    is told by e-mail; the decision is kept as its own record."""
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
        check(user, evidence.apprenticeship, Action.DECIDE_EVIDENCE)
        if evidence.status != Evidence.Status.SUBMITTED:
            raise TrackerError("This evidence is not waiting for review.")
        evidence.status = decision
        evidence.save(update_fields=["status", "updated_at"])
        feedback = EvidenceFeedback.objects.create(
            evidence=evidence, author=user, decision=decision, comment=comment
        )
    _notify_decision(evidence, feedback, build_url)
    return evidence
