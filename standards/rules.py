"""When a standard version's structure may change: the one rule the admin, the importer and the
copy service ask.

A version that any apprenticeship is on keeps its KSBs, duties and duty-KSB links as they are:
records made against it (ratings, evidence, sign-offs) point at them. Wording corrections stay
possible and are kept in history. Structural changes make a new version ("Copy as a new draft
version" in the admin, or an import of IfATE's next version)."""

from django.core.exceptions import ValidationError

# The fields whose change is a change of structure, per model; the rest is wording.
KSB_STRUCTURE_FIELDS = frozenset({"standard", "kind", "number"})
DUTY_STRUCTURE_FIELDS = frozenset({"standard", "number", "ksbs"})
STANDARD_IDENTITY_FIELDS = frozenset({"reference", "version"})


def apprenticeship_count(standard):
    """How many apprenticeships are on ``standard`` (0 for one not saved yet); uses the
    ``apprenticeship_count`` annotation of ``Standard.objects.with_use()`` when present."""
    if standard is None or standard.pk is None:
        return 0
    count = getattr(standard, "apprenticeship_count", None)
    if count is None:
        count = standard.apprenticeships.count()
    return count


def structure_frozen(standard):
    """Whether ``standard``'s KSBs and duties are frozen: some apprenticeship is on it."""
    return apprenticeship_count(standard) > 0


def _label(standard):
    return f"{standard.reference} v{standard.version}"


def _apprenticeships(count):
    return f"{count} apprenticeship{'' if count == 1 else 's'}"


def frozen_message(standard, count):
    """The one-line refusal of a structural change to a version in use."""
    return (
        f"{_label(standard)} is in use by {_apprenticeships(count)}: its KSBs and duties cannot "
        'be added, removed, renumbered or remapped. Make a new version with "Copy as a new '
        'draft version".'
    )


def identity_frozen_message(standard, count):
    return (
        f"{_label(standard)} is in use by {_apprenticeships(count)}: its reference and version "
        'number cannot change. Make a new version with "Copy as a new draft version".'
    )


def deletion_refused_message(standard, count):
    return (
        f"{_label(standard)} is in use by {_apprenticeships(count)} and cannot be deleted: set "
        'its version status to "Retired" so that it is no longer offered.'
    )


def frozen_error(standard):
    """A ``ValidationError`` (code ``structure_frozen``) for a structural change to
    ``standard`` if it is in use, else None."""
    count = apprenticeship_count(standard)
    if not count:
        return None
    return ValidationError(frozen_message(standard, count), code="structure_frozen")
