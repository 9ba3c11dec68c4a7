"""The portfolio: every KSB of the apprenticeship's standard with the evidence accepted for
it, printed per duty, each piece with the words of the KSB it was accepted against where they
have changed since; and the KSBs of older versions that accepted evidence still maps."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils.formats import date_format

from skillscan.rules import latest_scan_query
from skillscan.selectors import agreed_scores_of
from standards.models import KSB
from standards.selectors import standard_structure
from standards.wording import wording_book
from tracker.models import Evidence, EvidenceFeedback
from tracker.rules import accepted_links


@dataclass
class PortfolioEntry:
    ksb: object
    evidence: list
    score: int | None
    # {evidence pk: Wording} where the KSB's words when that evidence was accepted for it
    # differ from today's, or the KSB is of an older version.
    accepted_against: dict = None

    def __post_init__(self):
        # [(evidence, the Wording it was accepted against when the page must say so, else
        # None)]: worked out once here, not per item in the template (a page prints hundreds).
        against = self.accepted_against or {}
        self.listed = [(item, against.get(item.pk)) for item in self.evidence]


def _acceptances(links):
    """{evidence pk: [(KSB pk, when the decision accepting it was made)]}, from one query of
    ``links`` (accepted EvidenceKSB rows: the latest decision on their evidence accepted them,
    so it is the decision their words are read at)."""
    accepted_at = (
        EvidenceFeedback.objects.filter(
            evidence_id=OuterRef("evidence_id"), decision=EvidenceFeedback.Decision.ACCEPTED
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    found = {}
    rows = links.annotate(accepted_at=Subquery(accepted_at)).values_list(
        "evidence_id", "ksb_id", "accepted_at"
    )
    for evidence_id, ksb_id, when in rows:
        found.setdefault(evidence_id, []).append((ksb_id, when))
    return found


def _older_ksbs(ksb_ids, structure):
    """The KSBs of ``ksb_ids`` that the current version does not have (evidence kept from an
    older version), with their standard, in code order: a query only when there are any."""
    others = set(ksb_ids) - {ksb.pk for ksb in structure.ksbs}
    if not others:
        return []
    return list(KSB.objects.filter(pk__in=others).select_related("standard"))


def portfolio(apprenticeship):
    """For each KSB: its duties, the accepted evidence mapped to it (with the words it was
    accepted against where they have changed since) and the latest agreed score; the same
    grouped per duty; and the KSBs of older versions that accepted evidence still maps.
    Six queries whatever the amount of evidence (seven with evidence of an older version)."""
    structure = standard_structure(apprenticeship.standard)
    # Only the KSBs a decision accepted: accepted evidence may not have accepted all it claims.
    links = accepted_links().filter(evidence__apprenticeship=apprenticeship)
    accepted = apprenticeship.evidence.filter(status=Evidence.Status.ACCEPTED)
    items = list(accepted.order_by("occurred_on", "pk"))
    for item in items:  # printed under each KSB and duty it evidences: its date formatted once
        item.occurred_label = date_format(item.occurred_on, "j M Y")
    acceptances = _acceptances(links)
    evidence_of = {}
    for item in items:
        for ksb_id, _ in acceptances.get(item.pk, ()):
            evidence_of.setdefault(ksb_id, []).append(item)
    older = _older_ksbs(evidence_of, structure)
    book = wording_book([*structure.ksbs, *older], standard=apprenticeship.standard)
    against = {}
    for evidence_id, pairs in acceptances.items():
        for ksb_id, when in pairs:
            wording = book.at(ksb_id, when)
            if wording.changed or wording.from_version:
                against.setdefault(ksb_id, {})[evidence_id] = wording
    latest = latest_scan_query(apprenticeship).first()
    scores = agreed_scores_of(latest.ratings.all()) if latest else {}
    entries = {
        ksb.pk: PortfolioEntry(
            ksb, evidence_of.get(ksb.pk, []), scores.get(ksb.pk), against.get(ksb.pk)
        )
        for ksb in structure.ksbs
    }
    return {
        "structure": structure,
        "entries": list(entries.values()),
        "by_duty": [
            (duty, [entries[ksb.pk] for ksb in duty.ksb_list]) for duty in structure.duties
        ],
        "older_entries": [
            PortfolioEntry(ksb, evidence_of[ksb.pk], scores.get(ksb.pk), against.get(ksb.pk))
            for ksb in sorted(older, key=lambda k: (k.standard.version_key, k.kind, k.number))
        ],
        "latest_scan": latest,
        "evidence_count": len(items),
    }
