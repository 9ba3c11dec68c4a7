"""New versions of a standard made in the service: an editable draft copy of a version."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from .models import KSB, Duty, Standard, version_key

# IfATE numbers versions major.minor: "1.0", "1.1", "2.0", "1.10".
VERSION_FORMAT = re.compile(r"\d{1,3}\.\d{1,3}")

COPIED_FIELDS = ("title", "level", "typical_duration_months", "route", "overview", "url")


def next_free_version(standard):
    """The next minor version of ``standard`` that its reference does not have yet:
    1.0 -> 1.1, or 1.2 when 1.1 exists."""
    taken = set(
        Standard.objects.filter(reference=standard.reference).values_list("version", flat=True)
    )
    major, minor = (*standard.version_key, 0, 0)[:2]
    while True:
        minor += 1
        candidate = f"{major}.{minor}"
        if candidate not in taken:
            return candidate


def _check_version(standard, version):
    if not version:
        raise ValidationError("Enter the new version number, e.g. 1.1.", code="blank")
    if not VERSION_FORMAT.fullmatch(version):
        raise ValidationError(
            f'"{version}" is not a version number: write it like 1.1 (major.minor).',
            code="malformed",
        )
    if version_key(version) <= standard.version_key:
        raise ValidationError(
            f"The new version must be newer than the copied one, v{standard.version}.",
            code="not_newer",
        )
    if Standard.objects.filter(reference=standard.reference, version=version).exists():
        raise ValidationError(
            f"{standard.reference} already has a version {version}.", code="duplicate"
        )


def standard_copy(*, standard, version, by):
    """Copy ``standard`` as a new draft version numbered ``version``: its fields, every KSB,
    duty and duty-KSB link, in one transaction, each new row with a history entry by ``by``.

    Raises ``ValidationError`` (codes blank, malformed, not_newer, duplicate) and creates
    nothing when ``version`` is empty, not like "1.1", not newer than the copied version, or
    taken. The copy is a draft: nobody can start on it until an admin approves it."""
    version = (version or "").strip()
    _check_version(standard, version)
    reason = f"copied from {standard.reference} v{standard.version}"
    with transaction.atomic():
        copy = Standard(
            reference=standard.reference,
            version=version,
            status=Standard.Status.DRAFT,
            **{name: getattr(standard, name) for name in COPIED_FIELDS},
        )
        copy.full_clean()
        copy._history_user = by
        copy._change_reason = reason
        copy.save()
        history = {"default_user": by, "default_change_reason": reason}
        originals = list(standard.ksbs.order_by("pk"))
        ksbs = bulk_create_with_history(
            [
                KSB(standard=copy, kind=ksb.kind, number=ksb.number, description=ksb.description)
                for ksb in originals
            ],
            KSB,
            **history,
        )
        by_code = {(ksb.kind, ksb.number): ksb.pk for ksb in ksbs}
        new_ksb = {old.pk: by_code[(old.kind, old.number)] for old in originals}
        old_duties = list(standard.duties.order_by("number"))
        duties = bulk_create_with_history(
            [
                Duty(standard=copy, number=duty.number, description=duty.description)
                for duty in old_duties
            ],
            Duty,
            **history,
        )
        new_duty = {duty.number: duty.pk for duty in duties}
        Through = Duty.ksbs.through
        Through.objects.bulk_create(
            Through(duty_id=new_duty[number], ksb_id=new_ksb[ksb_id])
            for number, ksb_id in Through.objects.filter(duty__standard=standard).values_list(
                "duty__number", "ksb_id"
            )
        )
        # The bulk writes send no signals: stamp the new version's page content explicitly.
        Standard.objects.filter(pk=copy.pk).mark_content_changed()
    return copy
