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
    KSB's duties, and the duty-by-KSB matrix, from three queries whatever the size."""

    ksbs: list[KSB]
    groups: list[tuple[str, list[KSB]]]
    duties: list[Duty]
    matrix: list[MatrixRow]


def standard_structure(standard):
    ksbs = list(KSB.objects.filter(standard=standard))
    duties = list(Duty.objects.filter(standard=standard).prefetch_related("ksbs"))
    for item in (*ksbs, *duties):
        item.standard = standard  # no query per item for its URL
    duties_of = {ksb.pk: [] for ksb in ksbs}
    for duty in duties:
        for ksb in duty.ksbs.all():
            duties_of.setdefault(ksb.pk, []).append(duty)
    for ksb in ksbs:
        ksb.duty_list = duties_of[ksb.pk]
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
        linked = {ksb.pk for ksb in duty.ksbs.all()}
        matrix.append(MatrixRow(duty, [ksb.pk in linked for ksb in ksbs]))
    return StandardStructure(
        ksbs=ksbs, groups=[g for g in groups if g[1]], duties=duties, matrix=matrix
    )
