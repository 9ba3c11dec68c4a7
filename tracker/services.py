"""Writes for the tracker: evidence and its review, duty progress and sign-off, progress
reviews. Each runs in one transaction; files are removed only once the transaction commits."""

import logging
import smtplib

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Apprenticeship
from standards.models import Duty

from .models import (
    DutyProgress,
    DutyProgressEvent,
    Evidence,
    EvidenceFeedback,
    ProgressReview,
    StatusChange,
)
from .selectors import derived_status, evidenced_ksb_ids

logger = logging.getLogger(__name__)


class TrackerError(Exception):
    """An action that is not allowed now; the message says why, for the user."""


def _is_supervisor(user, apprenticeship):
    return (
        apprenticeship.apprentice_id != user.pk
        and Apprenticeship.objects.supervised_by(user).filter(pk=apprenticeship.pk).exists()
    )


def _delete_file_on_commit(name):
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


# --- duty progress ------------------------------------------------------------------------------


def duty_progress_ensure(*, apprenticeship):
    """Give the apprenticeship a DutyProgress row for every duty of its standard."""
    DutyProgress.objects.bulk_create(
        [
            DutyProgress(apprenticeship=apprenticeship, duty=duty)
            for duty in Duty.objects.filter(standard_id=apprenticeship.standard_id)
        ],
        ignore_conflicts=True,
    )


def duty_progress_refresh(*, apprenticeship):
    """Move each duty that is not signed off to the status its evidence gives it."""
    duty_progress_ensure(apprenticeship=apprenticeship)
    accepted, active = evidenced_ksb_ids(apprenticeship)
    rows = list(
        apprenticeship.duty_progress.exclude(status=DutyProgress.Status.SIGNED_OFF)
        .select_related("duty")
        .prefetch_related("duty__ksbs")
    )
    changed = []
    for row in rows:
        status = derived_status({k.pk for k in row.duty.ksbs.all()}, accepted, active)
        if row.status != status:
            row.status = status
            changed.append(row)
    DutyProgress.objects.bulk_update(changed, ["status"])


def duty_sign_off(*, progress, user, note):
    """The mentor or a manager signs a duty off, with a note; who and when are kept."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Add a note: what did you see that shows this duty?"})
    with transaction.atomic():
        progress = DutyProgress.objects.select_for_update().get(pk=progress.pk)
        if not _is_supervisor(user, progress.apprenticeship):
            raise TrackerError("Only the apprentice's mentor or a manager signs off a duty.")
        if progress.status == DutyProgress.Status.SIGNED_OFF:
            raise TrackerError("This duty is already signed off.")
        progress.status = DutyProgress.Status.SIGNED_OFF
        progress.signed_off_by = user
        progress.signed_off_at = timezone.now()
        progress.note = note
        progress.save(update_fields=["status", "signed_off_by", "signed_off_at", "note"])
        DutyProgressEvent.objects.create(
            duty_progress=progress, action=DutyProgressEvent.Action.SIGNED_OFF, by=user, note=note
        )
    return progress


def duty_sign_off_undo(*, progress, user, reason):
    """Undo a sign-off; the reason is required and kept in the history."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the sign-off is being undone."})
    with transaction.atomic():
        progress = DutyProgress.objects.select_for_update().get(pk=progress.pk)
        if not _is_supervisor(user, progress.apprenticeship):
            raise TrackerError("Only the apprentice's mentor or a manager can undo a sign-off.")
        if progress.status != DutyProgress.Status.SIGNED_OFF:
            raise TrackerError("This duty is not signed off.")
        progress.status = DutyProgress.Status.NOT_STARTED
        progress.signed_off_by = None
        progress.signed_off_at = None
        progress.note = ""
        progress.save(update_fields=["status", "signed_off_by", "signed_off_at", "note"])
        DutyProgressEvent.objects.create(
            duty_progress=progress, action=DutyProgressEvent.Action.UNDONE, by=user, note=reason
        )
        duty_progress_refresh(apprenticeship=progress.apprenticeship)
    return progress


# --- evidence -------------------------------------------------------------------------------------


def _check_ksbs(apprenticeship, ksbs):
    foreign = [ksb for ksb in ksbs if ksb.standard_id != apprenticeship.standard_id]
    if foreign:
        raise ValidationError(
            {"ksbs": "Choose KSBs of your own standard only."}, code="ksb_other_standard"
        )


def evidence_save(
    *,
    user,
    apprenticeship=None,
    evidence=None,
    fields,
    ksbs,
    attachment=None,
    attachment_type="",
    remove_attachment=False,
):
    """Create (``apprenticeship``) or update (``evidence``) a piece of evidence while it is the
    apprentice's to change. ``attachment`` replaces the stored file; the old one is deleted
    once the change is committed."""
    with transaction.atomic():
        if evidence is None:
            evidence = Evidence(apprenticeship=apprenticeship)
        else:
            evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
            if not evidence.is_editable:
                raise TrackerError(
                    "This evidence has been submitted or accepted and can no longer be changed."
                )
        apprenticeship = evidence.apprenticeship
        if apprenticeship.apprentice_id != user.pk:
            raise TrackerError("Only the apprentice records their own evidence.")
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
        evidence.full_clean(exclude=["attachment"])
        evidence.save()
        evidence.ksbs.set(ksbs)
        if old_file and (attachment is not None or remove_attachment):
            _delete_file_on_commit(old_file)
    return evidence


def evidence_delete(*, evidence, user):
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if evidence.apprenticeship.apprentice_id != user.pk:
            raise TrackerError("Only the apprentice deletes their own evidence.")
        if not evidence.is_editable:
            raise TrackerError("Submitted or accepted evidence cannot be deleted.")
        name = evidence.attachment.name if evidence.attachment else ""
        apprenticeship = evidence.apprenticeship
        evidence.delete()
        _delete_file_on_commit(name)
        duty_progress_refresh(apprenticeship=apprenticeship)


def evidence_submit(*, evidence, user):
    """Send the evidence for review: it needs at least one KSB."""
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if evidence.apprenticeship.apprentice_id != user.pk:
            raise TrackerError("Only the apprentice submits their own evidence.")
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
        duty_progress_refresh(apprenticeship=evidence.apprenticeship)
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
        if not _is_supervisor(user, evidence.apprenticeship):
            raise TrackerError("Only the apprentice's mentor or a manager reviews evidence.")
        if evidence.status != Evidence.Status.SUBMITTED:
            raise TrackerError("This evidence is not waiting for review.")
        evidence.status = decision
        evidence.save(update_fields=["status", "updated_at"])
        feedback = EvidenceFeedback.objects.create(
            evidence=evidence, author=user, decision=decision, comment=comment
        )
        duty_progress_refresh(apprenticeship=evidence.apprenticeship)
    _notify_decision(evidence, feedback, build_url)
    return evidence


# --- progress reviews -----------------------------------------------------------------------------


def progress_review_save(*, user, apprenticeship=None, review=None, fields):
    """Record or edit a review (employer), until the employer has signed it."""
    with transaction.atomic():
        if review is None:
            review = ProgressReview(apprenticeship=apprenticeship, recorded_by=user)
        else:
            review = ProgressReview.objects.select_for_update().get(pk=review.pk)
            if review.employer_signed_at:
                raise TrackerError("The review is signed and can no longer be edited.")
        if not _is_supervisor(user, review.apprenticeship):
            raise TrackerError("Only the apprentice's mentor or a manager records reviews.")
        for name, value in fields.items():
            setattr(review, name, value)
        review.full_clean()
        review.save()
    return review


def progress_review_sign(*, review, user, comments=None):
    """Sign the review: the employer for their part, the apprentice with their comments.
    Once both have signed it is locked."""
    with transaction.atomic():
        review = (
            ProgressReview.objects.select_for_update(of=("self",))
            .select_related("apprenticeship")
            .get(pk=review.pk)
        )
        if review.is_locked:
            raise TrackerError("Both have signed: the review is locked.")
        now = timezone.now()
        if review.apprenticeship.apprentice_id == user.pk:
            if review.apprentice_signed_at:
                raise TrackerError("You have already signed this review.")
            if not review.employer_signed_at:
                raise TrackerError("Your employer signs the review first; then you add yours.")
            review.apprentice_comments = (comments or "").strip()
            review.apprentice_signed_at = now
            review.save(update_fields=["apprentice_comments", "apprentice_signed_at", "updated_at"])
        elif _is_supervisor(user, review.apprenticeship):
            if review.employer_signed_at:
                raise TrackerError("The employer has already signed this review.")
            review.employer_signed_by = user
            review.employer_signed_at = now
            review.save(update_fields=["employer_signed_by", "employer_signed_at", "updated_at"])
        else:
            raise TrackerError("Only the apprentice and their employer sign a review.")
    return review


def apprenticeship_mark_gateway(*, apprenticeship, user, gateway, note=""):
    """The mentor or a manager marks the apprenticeship "at gateway" once every line of the
    gateway checklist holds; the change is recorded with who and when."""
    with transaction.atomic():
        apprenticeship = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
        if not _is_supervisor(user, apprenticeship):
            raise TrackerError("Only the apprentice's mentor or a manager marks gateway.")
        if apprenticeship.status != Apprenticeship.Status.ACTIVE:
            raise TrackerError("Only an active apprenticeship can go to gateway.")
        if not gateway.ready:
            raise TrackerError("Not every line of the gateway checklist holds yet.")
        StatusChange.objects.create(
            apprenticeship=apprenticeship,
            old_status=apprenticeship.status,
            new_status=Apprenticeship.Status.GATEWAY,
            by=user,
            note=note.strip(),
        )
        apprenticeship.status = Apprenticeship.Status.GATEWAY
        apprenticeship.save(update_fields=["status", "updated_at"])
    return apprenticeship
