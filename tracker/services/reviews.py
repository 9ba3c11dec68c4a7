"""Progress reviews: written up (RECORD_REVIEW), then signed by each party in turn
(SIGN_REVIEW, for the signer's own party). The content locks at the first signature: a change
after it is recorded (ReviewChange), makes a new version and voids the earlier signatures.
Signed by all, the review is final, its PDF is made and the next review is proposed."""

from django.db import transaction
from django.utils import timezone

from accounts.permissions import Action, check
from core.events import emit
from core.once import created_once

from ..review_models import (
    ProgressReview,
    ReviewAction,
    ReviewChange,
    ReviewConcern,
    ReviewSignature,
)
from ..review_pdf import review_pdf_make
from ..review_people import everyone, safeguarding_leads
from .errors import TrackerError
from .review_schedule import review_propose_next

STATEMENT = "I agree this is an accurate record."


class NeedsConfirmation(TrackerError):
    """The change would void signatures: the caller confirms first."""


def _locked(review_pk):
    return (
        ProgressReview.objects.select_for_update(of=("self",))
        .select_related("apprenticeship__organisation", "apprenticeship__apprentice")
        .get(pk=review_pk)
    )


def _shown(value):
    if hasattr(value, "__iter__") and not isinstance(value, str):
        return ", ".join(sorted(str(item) for item in value))
    if value is None:
        return ""
    return str(value)


def content_changed(review, user, changes, *, confirm_void):
    """Record ``changes`` ({label: (old, new)}) to the locked ``review``: after a signature,
    only when confirmed, as a ReviewChange that makes a new version and voids the signatures.
    The caller saves the review."""
    if review.is_signed:
        raise TrackerError("Everyone has signed: the review is final and can no longer change.")
    if not changes or not review.content_locked:
        return
    if not confirm_void:
        raise NeedsConfirmation(
            "The review has been signed: changing it voids the signatures, and everyone signs "
            "again. Confirm to change it."
        )
    voided = [s.name for s in review.signatures.filter(content_version=review.content_version)]
    ReviewChange.objects.create(
        review=review,
        user=user,
        changes={label: [_shown(old), _shown(new)] for label, (old, new) in changes.items()},
        from_version=review.content_version,
        to_version=review.content_version + 1,
        voided=voided,
    )
    review.content_version += 1
    review.employer_signed_by = review.provider_signed_by = None
    review.employer_signed_at = review.apprentice_signed_at = review.provider_signed_at = None


def progress_review_save(
    *,
    user,
    apprenticeship=None,
    review=None,
    fields,
    ksb_targets=None,
    submission_key=None,
    confirm_void=False,
):
    """Record a review (RECORD_REVIEW) or write up or edit one until everyone has signed it.
    Recorded once per form sent (``submission_key``): AlreadySubmitted with the review the same
    form made. ``ksb_targets``: KSBs of the apprenticeship's standard (the form checks)."""
    if review is not None:
        return _review_save(user, review, fields, ksb_targets, confirm_void)
    return created_once(
        apprenticeship.reviews.all(),
        submission_key,
        lambda: _review_save(
            user,
            ProgressReview(
                apprenticeship=apprenticeship, recorded_by=user, submission_key=submission_key
            ),
            fields,
            ksb_targets,
            confirm_void,
        ),
    )


def _review_save(user, review, fields, ksb_targets, confirm_void):
    with transaction.atomic():
        was_held = False
        if review.pk is not None:
            review = _locked(review.pk)
            was_held = review.held_on is not None
        check(user, review.apprenticeship, Action.RECORD_REVIEW)
        changes = {}
        for name, value in fields.items():
            old = getattr(review, name)
            if old != value:
                changes[str(ProgressReview._meta.get_field(name).verbose_name)] = (old, value)
            setattr(review, name, value)
        old_targets = set(review.ksb_targets.all()) if review.pk else set()
        if ksb_targets is not None and set(ksb_targets) != old_targets:
            changes["KSB targets"] = ([k.code for k in old_targets], [k.code for k in ksb_targets])
        if review.pk is not None:
            content_changed(review, user, changes, confirm_void=confirm_void)
        if review.recorded_by_id is None:
            review.recorded_by = user
        review.full_clean(exclude=["submission_key"])
        review.save()
        if ksb_targets is not None:
            review.ksb_targets.set(ksb_targets)
        if not was_held and review.held_on:
            _carry_open_actions(review, user)
    return review


def _carry_open_actions(review, user):
    """The actions still open at the previous review, carried into ``review`` (now held)."""
    previous = (
        ProgressReview.objects.held()
        .filter(apprenticeship_id=review.apprenticeship_id, held_on__lte=review.held_on)
        .exclude(pk=review.pk)
        .order_by("-held_on", "-pk")
        .first()
    )
    if previous is None:
        return
    ReviewAction.objects.bulk_create(
        [
            ReviewAction(
                review=review,
                text=action.text,
                owner=action.owner,
                due_on=action.due_on,
                carried_from=action,
                created_by=user,
            )
            for action in previous.action_items.filter(state=ReviewAction.State.OPEN)
        ]
    )


def progress_review_prefill(*, review, user, snapshot):
    """Keep ``snapshot`` (the figures since the last review, a JSON-ready dict) on the review
    (RECORD_REVIEW), until its first signature: from then on it stays as it was signed."""
    with transaction.atomic():
        review = _locked(review.pk)
        check(user, review.apprenticeship, Action.RECORD_REVIEW)
        if review.content_locked or review.is_signed:
            raise TrackerError("The review has been signed: its figures stay as they were.")
        review.prefill = snapshot
        review.save(update_fields=["prefill", "updated_at"])
    return review


def review_action_add(*, user, review, text, owner, due_on, confirm_void=False):
    """An agreed action with its owner and due date (RECORD_REVIEW), on a held review."""
    with transaction.atomic():
        review = _locked(review.pk)
        check(user, review.apprenticeship, Action.RECORD_REVIEW)
        if review.held_on is None:
            raise TrackerError("Write the review up first; then add its actions.")
        content_changed(review, user, {"New action": ("", text)}, confirm_void=confirm_void)
        review.save()
        action = ReviewAction(review=review, text=text, owner=owner, due_on=due_on, created_by=user)
        action.full_clean()
        action.save()
    return action


def review_action_set_state(*, user, action, state, confirm_void=False):
    """Mark an action of a review not yet final open, done or dropped (RECORD_REVIEW)."""
    with transaction.atomic():
        review = _locked(action.review_id)
        check(user, review.apprenticeship, Action.RECORD_REVIEW)
        action = ReviewAction.objects.select_for_update().get(pk=action.pk)
        if action.state == state:
            return action
        label = f"Action “{action.text}”"
        content_changed(
            review,
            user,
            {label: (action.get_state_display(), ReviewAction.State(state).label)},
            confirm_void=confirm_void,
        )
        review.save()
        action.state = state
        action.save(update_fields=["state"])
    return action


def progress_review_sign(*, review, user, comment=""):
    """Sign the review's current content for the signer's party (SIGN_REVIEW), with the
    statement. The last party's signature makes it final: the parties are told, the next
    review is proposed and the PDF is made once the transaction commits."""
    with transaction.atomic():
        review = _locked(review.pk)
        role = check(user, review.apprenticeship, Action.SIGN_REVIEW)
        party = role.party
        if review.held_on is None:
            raise TrackerError("The review has not been held yet: write it up first.")
        if review.is_signed:
            raise TrackerError("Everyone has signed: the review is final.")
        if party not in review.parties:
            raise TrackerError("No training provider delivers this apprenticeship.")
        if review.signed_at_of(party):
            raise TrackerError("Your party has already signed this version of the review.")
        now = timezone.now()
        ReviewSignature.objects.create(
            review=review,
            party=party,
            user=user,
            name=user.full_name or user.email,
            statement=STATEMENT,
            comment=(comment or "").strip(),
            signed_at=now,
            content_version=review.content_version,
        )
        setattr(review, f"{party}_signed_at", now)
        if party != "apprentice":
            setattr(review, f"{party}_signed_by", user)
        review.save()
        apprenticeship = review.apprenticeship
        if review.is_signed:
            review_propose_next(review)
            signers = [
                s.user
                for s in review.signatures.filter(content_version=review.content_version)
                .select_related("user")
                .order_by("pk")
            ]
            emit(
                "review_signed",
                apprenticeship=apprenticeship,
                about=review,
                actor=user,
                # The parties' people, and whoever signed in their place (a manager).
                recipients=everyone(apprenticeship, review.parties) + signers,
            )
            transaction.on_commit(lambda: _make_pdf(review))
        else:
            waiting = [p for p in review.parties if not review.signed_at_of(p)]
            emit(
                "review_to_sign",
                apprenticeship=apprenticeship,
                about=review,
                actor=user,
                recipients=everyone(apprenticeship, waiting),
            )
    return review


def _make_pdf(review):
    review_pdf_make(review)


def review_concern_raise(*, user, review, note):
    """Raise a safeguarding concern (SEE_SAFEGUARDING roles only) and tell the provider's
    designated safeguarding lead (else its managers)."""
    with transaction.atomic():
        review = _locked(review.pk)
        check(user, review.apprenticeship, Action.SEE_SAFEGUARDING)
        concern = ReviewConcern(review=review, note=note.strip(), raised_by=user)
        concern.full_clean()
        concern.save()
        emit(
            "safeguarding_concern",
            apprenticeship=review.apprenticeship,
            about=review,
            actor=user,
            recipients=safeguarding_leads(review.apprenticeship),
        )
    return concern
