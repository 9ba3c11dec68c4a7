"""Scans across versions of a standard: an apprenticeship that moved to a newer version keeps
its scans on the KSBs they rated. Pages that read scores against the current version match
them by KSB code (K3 of 1.0 is K3 of 1.1); a scan's own pages use the version it was made on."""

from django.db.models import Case, F, OuterRef, Subquery, When

from standards.models import KSB, Standard
from standards.selectors import standard_structure

from .models import agreed


def current_ksb_sql():
    """On ratings: the pk of the KSB of their apprenticeship's current standard with the code of
    the rated KSB (NULL when that version has no such KSB)."""
    scan_standard = "scan__apprenticeship__standard_id"
    same_code = KSB.objects.filter(
        standard_id=OuterRef(scan_standard),
        kind=OuterRef("ksb__kind"),
        number=OuterRef("ksb__number"),
    ).values("pk")[:1]
    return Case(
        When(ksb__standard_id=F(scan_standard), then=F("ksb_id")), default=Subquery(same_code)
    )


def agreed_scores_of(ratings):
    """agreed_scores of a queryset of ratings, read as tuples (no Rating objects) and unsorted
    (a dict keeps no order), keyed by the KSBs of the apprenticeship's current standard: a scan
    made on a version it has since moved from gives each score to the KSB of the same code,
    and a KSB the current version no longer has drops out. One query."""
    rows = (
        ratings.order_by()
        .annotate(current_ksb=current_ksb_sql())
        .values_list("current_ksb", "score", "employer_score")
    )
    return {
        ksb_id: agreed(score, employer_score)
        for ksb_id, score, employer_score in rows
        if ksb_id is not None
    }


def same_code_map(pks, ksbs):
    """{KSB pk: pk of the KSB of ``ksbs`` with the same code, or None} for the ``pks`` that are
    not among ``ksbs`` (KSBs of another version): one query, none when there are no such."""
    own = {ksb.pk for ksb in ksbs}
    foreign = set(pks) - own
    if not foreign:
        return {}
    by_code = {ksb.code: ksb.pk for ksb in ksbs}
    rows = KSB.objects.filter(pk__in=foreign).values_list("pk", "kind", "number")
    return {pk: by_code.get(KSB.code_of(kind, number)) for pk, kind, number in rows}


def scores_onto(scores, mapping):
    """``scores`` ({KSB pk: score}) with the KSBs of another version swapped for those of the
    same code by ``mapping`` (same_code_map); scores without a counterpart drop out."""
    if not mapping:
        return scores
    mapped = {}
    for pk, score in scores.items():
        target = mapping.get(pk, pk)
        if target is not None:
            mapped[target] = score
    return mapped


def scan_structure(scan, ratings):
    """The structure of the version ``scan`` was made on: its apprenticeship's standard, or for
    a scan made before a move to a newer version, the version of its ratings' KSBs (one more
    query then). ``ratings`` are the scan's."""
    structure = standard_structure(scan.apprenticeship.standard)
    own = {ksb.pk for ksb in structure.ksbs}
    other = next((rating.ksb_id for rating in ratings if rating.ksb_id not in own), None)
    if other is None:
        return structure
    return standard_structure(Standard.objects.get(ksbs=other))


def each_onto(scores, ksbs):
    """[{KSB pk: score}] of several scans, each onto ``ksbs`` (the current version) by code:
    one query for them all, none when every scan was made on that version."""
    scores = list(scores)
    mapping = same_code_map({pk for each in scores for pk in each}, ksbs)
    return [scores_onto(each, mapping) for each in scores]
