"""The portfolio an assessor reads: each piece of accepted evidence once, in date order and
numbered (E1, E2, ...), with its description, link, file, the KSBs it was accepted for (in the
words they were accepted against where those have changed since), who accepted it and when, and
the feedback; then a KSB x evidence matrix (a row per KSB of the standard, the numbers of the
evidence covering it, gaps shown) and a duty summary (sign-off, KSBs covered). The web page, the
PDF and the zip all read this one builder."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.text import get_valid_filename

from skillscan.rules import latest_scan_query
from skillscan.selectors import agreed_scores_of
from standards.models import KIND_RANK, KSB
from standards.selectors import standard_structure
from standards.wording import wording_book
from tracker.models import DutySignOff, Evidence, EvidenceFeedback, EvidenceKSB, KSBDecision
from tracker.rules import current_sign_offs_by_duty


@dataclass
class PortfolioFile:
    """A piece of evidence's attachment: its name as uploaded, its size in bytes (None when the
    store no longer has it), where to download it and its name inside the portfolio's zip."""

    name: str
    size: int | None
    url: str
    zip_name: str
    stored_name: str

    @property
    def size_label(self):
        return "missing from the store" if self.size is None else filesizeformat(self.size)


@dataclass
class PortfolioItem:
    """A piece of accepted evidence as the portfolio prints it."""

    number: int
    evidence: object
    # [(KSB, the Wording it was accepted against when the page must say so, else None)]
    accepted: list
    # [(KSB, the reason the decision gave)]: KSBs it claimed that the decision did not accept
    not_accepted: list
    acceptance: object  # the EvidenceFeedback that accepted it (author, party, created_at)
    feedback: list  # the EvidenceFeedback rows with words (decisions' comments, replies)
    file: PortfolioFile | None

    @property
    def label(self):
        return f"E{self.number}"

    @property
    def accepted_codes(self):
        return ", ".join(ksb.code for ksb, _ in self.accepted)


@dataclass
class PortfolioEntry:
    """A row of the matrix: a KSB, the accepted evidence covering it (in the portfolio's
    order) and the latest agreed score."""

    ksb: object
    evidence: list
    score: int | None
    labels: list = field(default_factory=list)


@dataclass
class DutySummary:
    duty: object
    covered: int
    total: int
    sign_off: object  # the DutySignOff that signs it off now, or None

    @property
    def complete(self):
        return self.total and self.covered == self.total


def _accepted_evidence(apprenticeship):
    """The apprenticeship's accepted evidence in date order, each with its feedback (authors
    and per-KSB decisions) and accepted KSB links: four queries whatever the amount."""
    feedback = EvidenceFeedback.objects.select_related("author").prefetch_related(
        Prefetch("ksb_decisions", queryset=KSBDecision.objects.select_related("ksb__standard"))
    )
    links = EvidenceKSB.objects.filter(accepted=True).order_by("pk")
    return list(
        apprenticeship.evidence.filter(status=Evidence.Status.ACCEPTED)
        .order_by("occurred_on", "pk")
        .prefetch_related(
            Prefetch("feedback", queryset=feedback),
            Prefetch("ksb_links", queryset=links, to_attr="accepted_links"),
        )
    )


def _older_ksbs(ksb_ids, structure):
    """The KSBs of ``ksb_ids`` that the current version does not have (evidence kept from an
    older version), with their standard: a query only when there are any."""
    others = set(ksb_ids) - {ksb.pk for ksb in structure.ksbs}
    if not others:
        return []
    return list(KSB.objects.filter(pk__in=others).select_related("standard"))


def _file_of(item, number):
    """The attachment of ``item`` as the portfolio lists it (its size asked of the store)."""
    if not item.attachment:
        return None
    name = item.attachment_name or item.attachment.name.rsplit("/", 1)[-1]
    try:
        size = item.attachment.storage.size(item.attachment.name)
    except (OSError, ValueError):  # gone from the store: listed, marked missing
        size = None
    return PortfolioFile(
        name=name,
        size=size,
        url=reverse("tracker:evidence-file", kwargs={"pk": item.pk}),
        zip_name=f"files/E{number}-{get_valid_filename(name) or 'file'}",
        stored_name=item.attachment.name,
    )


def _latest_acceptance(item):
    accepted = [f for f in item.feedback.all() if f.decision == EvidenceFeedback.Decision.ACCEPTED]
    return accepted[-1] if accepted else None


def _not_accepted(acceptance):
    if acceptance is None:
        return []
    return [(d.ksb, d.reason) for d in acceptance.ksb_decisions.all() if not d.accepted]


def portfolio(apprenticeship):
    """Everything the portfolio shows (see the module's docstring), with ``entries`` (the
    matrix: a row per KSB of the current version), ``older_entries`` (KSBs of earlier versions
    that accepted evidence still maps), ``items`` (the numbered evidence) and ``duties`` (the
    summary). Eight queries whatever the amount of evidence, once the standard's structure is
    read (it is kept per process); one more with evidence for KSBs of an older version."""
    structure = standard_structure(apprenticeship.standard)
    evidence = _accepted_evidence(apprenticeship)
    ksb_ids = {link.ksb_id for item in evidence for link in item.accepted_links}
    older = _older_ksbs(ksb_ids, structure)
    ksbs = {ksb.pk: ksb for ksb in (*structure.ksbs, *older)}
    book = wording_book(ksbs.values(), standard=apprenticeship.standard)
    items, evidence_of = [], {}
    for number, item in enumerate(evidence, start=1):
        acceptance = _latest_acceptance(item)
        when = acceptance.created_at if acceptance else None
        accepted = []
        for link in item.accepted_links:
            wording = book.at(link.ksb_id, when)
            shown = wording if wording.changed or wording.from_version else None
            accepted.append((ksbs[link.ksb_id], shown))
            evidence_of.setdefault(link.ksb_id, []).append(item)
        accepted.sort(key=lambda pair: _rank(pair[0], apprenticeship.standard_id))
        item.label = f"E{number}"
        items.append(
            PortfolioItem(
                number=number,
                evidence=item,
                accepted=accepted,
                not_accepted=_not_accepted(acceptance),
                acceptance=acceptance,
                feedback=[f for f in item.feedback.all() if f.comment.strip()],
                file=_file_of(item, number),
            )
        )
    latest = latest_scan_query(apprenticeship).first()
    scores = agreed_scores_of(latest.ratings.all()) if latest else {}

    def entry(ksb):
        covering = evidence_of.get(ksb.pk, [])
        return PortfolioEntry(ksb, covering, scores.get(ksb.pk), [e.label for e in covering])

    entries = [entry(ksb) for ksb in structure.ksbs]
    covered = {e.ksb.pk for e in entries if e.evidence}
    signed = current_sign_offs_by_duty(_sign_offs(apprenticeship))
    return {
        "structure": structure,
        "items": items,
        "entries": entries,
        "gaps": sum(1 for e in entries if not e.evidence),
        "older_entries": [
            entry(ksb) for ksb in sorted(older, key=lambda k: (k.standard.version_key, _rank(k)))
        ],
        "duties": [
            DutySummary(duty, len(duty.ksb_ids & covered), len(duty.ksb_ids), signed.get(duty.pk))
            for duty in structure.duties
        ],
        "latest_scan": latest,
        "evidence_count": len(items),
        "files_count": sum(1 for i in items if i.file),
    }


def _rank(ksb, standard_id=None):
    """KSBs in code order (K, S, B, then number), those of ``standard_id`` first."""
    return (ksb.standard_id != standard_id, KIND_RANK[ksb.kind], ksb.number)


def _sign_offs(apprenticeship):
    """The sign-off events of the current standard's duties, oldest first, with who made
    them: one query."""
    return list(
        DutySignOff.objects.filter(
            apprenticeship_id=apprenticeship.pk, duty__standard_id=apprenticeship.standard_id
        )
        .select_related("by")
        .order_by("pk")
    )
