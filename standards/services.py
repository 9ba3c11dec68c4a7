"""Writes to the standards: importing a parsed IfATE record."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import rules
from .ifate import ParsedStandard
from .models import KIND_RANK, KSB, Duty, Standard
from .wording import ensure_wording_baseline

# The change reason on the history rows the importer writes.
IMPORT_REASON = "import_standard"


class ImportRefused(Exception):
    """The record cannot be imported; the message is the one-line reason."""


@dataclass
class ImportResult:
    outcome: str  # "imported", "updated" or "unchanged"
    standard: Standard
    changes: list[str] = field(default_factory=list)

    def summary(self):
        if self.outcome == "imported":
            kinds = Counter(ksb.kind for ksb in self.standard.ksbs.all())
            links = Duty.ksbs.through.objects.filter(duty__standard=self.standard).count()
            return (
                f"imported ({kinds['K']} K, {kinds['S']} S, {kinds['B']} B, "
                f"{self.standard.duties.count()} duties, {links} duty-KSB links)"
            )
        if self.outcome == "updated":
            shown = ", ".join(self.changes[:8])
            more = f" and {len(self.changes) - 8} more" if len(self.changes) > 8 else ""
            return f"updated ({shown}{more})"
        return "unchanged"


def _validate(instance, **kwargs):
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
        raise ImportRefused(f"invalid data ({problems})") from None


def _what_refers_to(objs):
    """Describe the data outside the standard itself that deleting ``objs`` would delete or is
    stopped by, e.g. "3 ratings"; an empty string when nothing refers to them."""
    if not objs:
        return ""
    own = {KSB, Duty, Duty.ksbs.through}
    found = Counter()
    collector = Collector(using=DEFAULT_DB_ALIAS)
    try:
        collector.collect(objs)
    except ProtectedError as exc:
        found.update(obj._meta.verbose_name_plural for obj in exc.protected_objects)
    except RestrictedError as exc:
        found.update(obj._meta.verbose_name_plural for obj in exc.restricted_objects)
    else:
        for model, instances in collector.data.items():
            if model not in own:
                found[model._meta.verbose_name_plural] += len(instances)
        for queryset in collector.fast_deletes:
            if queryset.model not in own:
                count = queryset.count()
                if count:
                    found[queryset.model._meta.verbose_name_plural] += count
    return ", ".join(f"{count} {name}" for name, count in sorted(found.items()))


def _create(parsed):
    standard = Standard(
        reference=parsed.reference, version=parsed.version, **parsed.standard_fields()
    )
    _validate(standard)
    standard._change_reason = IMPORT_REASON
    standard.save()
    ksbs = [
        KSB(standard=standard, kind=item.kind, number=item.number, description=item.description)
        for item in parsed.ksbs
    ]
    for ksb in ksbs:
        _validate(ksb, validate_unique=False, validate_constraints=False)
    ksbs = bulk_create_with_history(ksbs, KSB, default_change_reason=IMPORT_REASON)
    duties = [
        Duty(standard=standard, number=item.number, description=item.description)
        for item in parsed.duties
    ]
    for duty in duties:
        _validate(duty, validate_unique=False, validate_constraints=False)
    duties = bulk_create_with_history(duties, Duty, default_change_reason=IMPORT_REASON)
    by_code = {(ksb.kind, ksb.number): ksb.pk for ksb in ksbs}
    Through = Duty.ksbs.through
    Through.objects.bulk_create(
        Through(duty_id=duty.pk, ksb_id=by_code[code])
        for duty, item in zip(duties, parsed.duties, strict=True)
        for code in item.ksb_codes
    )
    return ImportResult("imported", standard)


def _wanted_fields(standard, parsed):
    """The standard's fields as the record has them, but for the version status: approving
    a version for delivery is the admin's decision, so a record only ever retires one."""
    fields = parsed.standard_fields()
    if fields["status"] != Standard.Status.RETIRED:
        del fields["status"]
    return fields


def _ksb_codes(keys):
    return ", ".join(
        KSB.code_of(*key) for key in sorted(keys, key=lambda key: (KIND_RANK[key[0]], key[1]))
    )


def _duty_numbers(numbers):
    numbers = sorted(numbers)
    return f"dut{'y' if len(numbers) == 1 else 'ies'} {', '.join(map(str, numbers))}"


def _structure_changes(existing_ksbs, wanted_ksbs, existing_duties, wanted_duties):
    """What the record changes in the structure, in words: "adds K26, removes S22, remaps
    duties 1, 2"; empty when it changes only wording."""
    remapped = [
        number
        for number, duty in existing_duties.items()
        if number in wanted_duties
        and {(ksb.kind, ksb.number) for ksb in duty.ksbs.all()}
        != set(wanted_duties[number].ksb_codes)
    ]
    parts = []
    for verb, keys, describe in (
        ("adds", wanted_ksbs.keys() - existing_ksbs.keys(), _ksb_codes),
        ("removes", existing_ksbs.keys() - wanted_ksbs.keys(), _ksb_codes),
        ("adds", wanted_duties.keys() - existing_duties.keys(), _duty_numbers),
        ("removes", existing_duties.keys() - wanted_duties.keys(), _duty_numbers),
        ("remaps", remapped, _duty_numbers),
    ):
        if keys:
            parts.append(f"{verb} {describe(keys)}")
    return ", ".join(parts)


def _update(standard, parsed):
    existing_ksbs = {(ksb.kind, ksb.number): ksb for ksb in standard.ksbs.all()}
    wanted_ksbs = {(item.kind, item.number): item for item in parsed.ksbs}
    existing_duties = {duty.number: duty for duty in standard.duties.prefetch_related("ksbs")}
    wanted_duties = {item.number: item for item in parsed.duties}
    structural = _structure_changes(existing_ksbs, wanted_ksbs, existing_duties, wanted_duties)
    if structural:
        error = rules.frozen_error(standard)
        if error is not None:
            raise ImportRefused(
                f"the record {structural}, but {error.message} Nothing was changed."
            )

    changes = []
    wanted_fields = _wanted_fields(standard, parsed)
    changed_fields = [
        name for name, value in wanted_fields.items() if getattr(standard, name) != value
    ]
    if changed_fields:
        for name in changed_fields:
            setattr(standard, name, wanted_fields[name])
        _validate(standard, validate_unique=False, validate_constraints=False)
        standard._change_reason = IMPORT_REASON
        standard.save(update_fields=changed_fields)
        changes.extend(changed_fields)

    removed_ksbs = [ksb for key, ksb in existing_ksbs.items() if key not in wanted_ksbs]
    removed_duties = [
        duty for number, duty in existing_duties.items() if number not in wanted_duties
    ]
    for label, removed in (("KSB", removed_ksbs), ("duty", removed_duties)):
        referrers = _what_refers_to(removed)
        if referrers:
            names = ", ".join(
                obj.code if label == "KSB" else f"duty {obj.number}" for obj in removed
            )
            raise ImportRefused(
                f"the record no longer has {names}, but {referrers} refer to "
                f"{'them' if len(removed) > 1 else 'it'}; nothing was changed"
            )
    if removed_duties:
        Duty.objects.filter(pk__in=[duty.pk for duty in removed_duties]).delete()
        changes.extend(f"duty {duty.number} removed" for duty in removed_duties)
    if removed_ksbs:
        KSB.objects.filter(pk__in=[ksb.pk for ksb in removed_ksbs]).delete()
        changes.extend(f"{ksb.code} removed" for ksb in removed_ksbs)

    # Records made before this import keep showing the words they were made against.
    ensure_wording_baseline(
        ksb
        for key, ksb in existing_ksbs.items()
        if key in wanted_ksbs and ksb.description != wanted_ksbs[key].description
    )
    new_ksbs, edited_ksbs = [], []
    for key, item in wanted_ksbs.items():
        ksb = existing_ksbs.get(key)
        if ksb is None:
            new_ksbs.append(
                KSB(
                    standard=standard,
                    kind=item.kind,
                    number=item.number,
                    description=item.description,
                )
            )
            changes.append(f"{item.code} added")
        elif ksb.description != item.description:
            ksb.description = item.description
            edited_ksbs.append(ksb)
            changes.append(f"{item.code} text")
    for ksb in new_ksbs + edited_ksbs:
        _validate(ksb, validate_unique=False, validate_constraints=False)
    bulk_create_with_history(new_ksbs, KSB, default_change_reason=IMPORT_REASON)
    bulk_update_with_history(edited_ksbs, KSB, ["description"], default_change_reason=IMPORT_REASON)

    by_code = {(ksb.kind, ksb.number): ksb.pk for ksb in standard.ksbs.all()}
    for number, item in wanted_duties.items():
        duty = existing_duties.get(number)
        wanted_links = {by_code[code] for code in item.ksb_codes}
        if duty is None:
            duty = Duty(standard=standard, number=number, description=item.description)
            _validate(duty, validate_unique=False, validate_constraints=False)
            duty._change_reason = IMPORT_REASON
            duty.save()
            duty.ksbs.set(wanted_links)
            changes.append(f"duty {number} added")
            continue
        if duty.description != item.description:
            duty.description = item.description
            _validate(duty, validate_unique=False, validate_constraints=False)
            duty._change_reason = IMPORT_REASON
            duty.save(update_fields=["description"])
            changes.append(f"duty {number} text")
        if {ksb.pk for ksb in duty.ksbs.all()} != wanted_links:
            duty.ksbs.set(wanted_links)
            changes.append(f"duty {number} KSBs")

    return ImportResult("updated" if changes else "unchanged", standard, changes)


def standard_import(*, parsed: ParsedStandard) -> ImportResult:
    """Create or update the standard (reference, version) from ``parsed``, all or nothing.

    A record of a new (reference, version) is created beside the other versions, with the
    version status the record gives (IfATE's words mapped by ``ifate.version_status``).

    On an existing version, KSBs are matched by code and duties by number: a changed text is
    updated in place and kept in the wording history (change reason "import_standard"). New
    KSBs and duties are added and ones the record no longer has are deleted, unless other data
    refers to them, or the version is in use by an apprenticeship (its structure is frozen,
    standards/rules.py): then the whole record is refused with ``ImportRefused`` and nothing
    changes. The version status is never overwritten (an admin approves a version for
    delivery, or sets it back to draft) except that a record saying "Retired" retires it.
    Any change stamps the standard's ``content_updated_at``; an unchanged record leaves it
    be."""
    with transaction.atomic():
        standard = (
            Standard.objects.select_for_update()
            .filter(reference=parsed.reference, version=parsed.version)
            .first()
        )
        result = _create(parsed) if standard is None else _update(standard, parsed)
        if result.outcome != "unchanged":
            # The bulk writes above send no signals: stamp the page's content explicitly.
            Standard.objects.filter(pk=result.standard.pk).mark_content_changed()
        return result
