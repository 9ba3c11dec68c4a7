"""Writes to the standards: importing a parsed IfATE record."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

from .ifate import ParsedStandard
from .models import KSB, Duty, Standard


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
    standard.save()
    ksbs = [
        KSB(standard=standard, kind=item.kind, number=item.number, description=item.description)
        for item in parsed.ksbs
    ]
    for ksb in ksbs:
        _validate(ksb, validate_unique=False, validate_constraints=False)
    KSB.objects.bulk_create(ksbs)
    duties = [
        Duty(standard=standard, number=item.number, description=item.description)
        for item in parsed.duties
    ]
    for duty in duties:
        _validate(duty, validate_unique=False, validate_constraints=False)
    Duty.objects.bulk_create(duties)
    by_code = {(ksb.kind, ksb.number): ksb.pk for ksb in ksbs}
    Through = Duty.ksbs.through
    Through.objects.bulk_create(
        Through(duty_id=duty.pk, ksb_id=by_code[code])
        for duty, item in zip(duties, parsed.duties, strict=True)
        for code in item.ksb_codes
    )
    return ImportResult("imported", standard)


def _update(standard, parsed):
    changes = []
    changed_fields = [
        name for name, value in parsed.standard_fields().items() if getattr(standard, name) != value
    ]
    if changed_fields:
        for name in changed_fields:
            setattr(standard, name, parsed.standard_fields()[name])
        _validate(standard, validate_unique=False, validate_constraints=False)
        standard.save(update_fields=changed_fields)
        changes.extend(changed_fields)

    existing_ksbs = {(ksb.kind, ksb.number): ksb for ksb in standard.ksbs.all()}
    wanted_ksbs = {(item.kind, item.number): item for item in parsed.ksbs}
    existing_duties = {duty.number: duty for duty in standard.duties.prefetch_related("ksbs")}
    wanted_duties = {item.number: item for item in parsed.duties}

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
    KSB.objects.bulk_create(new_ksbs)
    KSB.objects.bulk_update(edited_ksbs, ["description"])

    by_code = {(ksb.kind, ksb.number): ksb.pk for ksb in standard.ksbs.all()}
    for number, item in wanted_duties.items():
        duty = existing_duties.get(number)
        wanted_links = {by_code[code] for code in item.ksb_codes}
        if duty is None:
            duty = Duty(standard=standard, number=number, description=item.description)
            _validate(duty, validate_unique=False, validate_constraints=False)
            duty.save()
            duty.ksbs.set(wanted_links)
            changes.append(f"duty {number} added")
            continue
        if duty.description != item.description:
            duty.description = item.description
            _validate(duty, validate_unique=False, validate_constraints=False)
            duty.save(update_fields=["description"])
            changes.append(f"duty {number} text")
        if {ksb.pk for ksb in duty.ksbs.all()} != wanted_links:
            duty.ksbs.set(wanted_links)
            changes.append(f"duty {number} KSBs")

    return ImportResult("updated" if changes else "unchanged", standard, changes)


def standard_import(*, parsed: ParsedStandard) -> ImportResult:
    """Create or update the standard (reference, version) from ``parsed``, all or nothing.

    KSBs are matched by code and duties by number: a changed text is updated in place, new ones
    are added, and ones the record no longer has are deleted, unless other data refers to them,
    in which case the whole record is refused with ``ImportRefused`` and nothing changes. Any
    change stamps the standard's ``content_updated_at``; an unchanged record leaves it be."""
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
