"""Writes for the tracker, by area. Each runs in one transaction and asks the permission
table (accounts.permissions) whether the user may act; files are removed only once the
transaction commits."""

from .duties import duty_sign_off, duty_sign_off_undo, unevidenced_ksbs_of
from .errors import TrackerError
from .evidence import (
    evidence_comment,
    evidence_decide,
    evidence_delete,
    evidence_save,
    evidence_submit,
    evidence_withdraw,
)
from .reviews import progress_review_save, progress_review_sign

__all__ = [
    "TrackerError",
    "duty_sign_off",
    "duty_sign_off_undo",
    "evidence_comment",
    "evidence_decide",
    "evidence_delete",
    "evidence_save",
    "evidence_submit",
    "evidence_withdraw",
    "progress_review_save",
    "progress_review_sign",
    "unevidenced_ksbs_of",
]
