"""Reads of a standard's structure that several pages share."""

from dataclasses import dataclass

from .models import KSB, Duty


@dataclass
class MatrixRow:
    duty: Duty
    cells: list[bool]


@dataclass
class StandardStructure:
    """A standard's KSBs (in code order, grouped by kind), its duties with their KSBs, each
    KSB's duties, and the duty-by-KSB matrix, from three queries whatever the size. Each duty
    carries ``ksb_list`` (its KSBs in code order) and ``ksb_ids`` (a frozenset of their pks);
    each KSB ``duty_list`` and ``duty_numbers`` ("1, 4, 7"): the pages read these instead of
    querying or working them out again."""

    ksbs: list[KSB]
    groups: list[tuple[str, list[KSB]]]
    duties: list[Duty]
    matrix: list[MatrixRow]


# (standard pk, its content stamp) -> its structure, for this process. An edit moves the stamp
# (standards/signals.py), so a stale entry is never found again; the oldest go when it is full.
_STRUCTURES = {}
_KEEP = 32


def standard_structure(standard):
    """The structure of ``standard``, built once per process for each stamp of its content and
    shared by every request after: callers read its objects and never change them."""
    key = (standard.pk, standard.content_updated_at)
    structure = _STRUCTURES.get(key)
    if structure is None:
        structure = _build(standard)
        while len(_STRUCTURES) >= _KEEP:
            _STRUCTURES.pop(next(iter(_STRUCTURES)), None)
        _STRUCTURES[key] = structure
    return structure


def forget_structures():
    """Empty this process's structures (tests that edit a standard behind a loaded copy)."""
    _STRUCTURES.clear()


def _build(standard):
    ksbs = list(KSB.objects.filter(standard=standard))
    duties = list(Duty.objects.filter(standard=standard).prefetch_related("ksbs"))
    for item in (*ksbs, *duties):
        item.standard = standard  # no query per item for its URL
    duties_of = {ksb.pk: [] for ksb in ksbs}
    for duty in duties:
        duty.ksb_list = list(duty.ksbs.all())
        duty.ksb_ids = frozenset(ksb.pk for ksb in duty.ksb_list)
        for ksb in duty.ksb_list:
            duties_of.setdefault(ksb.pk, []).append(duty)
    for ksb in ksbs:
        ksb.duty_list = duties_of[ksb.pk]
        ksb.duty_numbers = ", ".join(str(duty.number) for duty in ksb.duty_list)
    groups = [
        (label, [ksb for ksb in ksbs if ksb.kind == kind])
        for kind, label in (
            (KSB.Kind.KNOWLEDGE, "Knowledge"),
            (KSB.Kind.SKILL, "Skills"),
            (KSB.Kind.BEHAVIOUR, "Behaviours"),
        )
    ]
    matrix = []
    for duty in duties:
        matrix.append(MatrixRow(duty, [ksb.pk in duty.ksb_ids for ksb in ksbs]))
    return StandardStructure(
        ksbs=ksbs, groups=[g for g in groups if g[1]], duties=duties, matrix=matrix
    )
