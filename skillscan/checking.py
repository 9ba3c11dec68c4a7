"""Reads for the apprentice's two looks at a whole scan: every rating before it is submitted
(with its gaps and what changed since the last scan), and, once validated, where the employer
scored differently and why."""

from dataclasses import dataclass

from standards.models import KSB

from .models import Rating, Score, SkillScan
from .rules import previous_scan
from .selectors import GAP_MAX, KINDS, agreed_scores_of


@dataclass
class CheckRow:
    ksb: KSB
    rating: Rating | None
    before: int | None = None  # the agreed score in the previous scan

    @property
    def is_gap(self):
        return self.rating is not None and self.rating.score <= GAP_MAX

    @property
    def change(self):
        if self.rating is None or self.before is None:
            return None
        return self.rating.score - self.before

    @property
    def change_size(self):
        return abs(self.change or 0)

    @property
    def before_label(self):
        return None if self.before is None else Score(self.before).label

    @property
    def is_flagged(self):
        return self.is_gap or bool(self.change)


@dataclass
class ScanCheck:
    sections: list[tuple[str, str, list[CheckRow]]]  # (slug, label, rows), K then S then B
    previous: SkillScan | None

    @property
    def rows(self):
        return [row for _, _, rows in self.sections for row in rows]

    @property
    def missing(self):
        return [row.ksb for row in self.rows if row.rating is None]

    @property
    def gaps(self):
        return [row for row in self.rows if row.is_gap]

    @property
    def changed(self):
        return [row for row in self.rows if row.change]


def scan_check(scan):
    """Every KSB of the scan's standard with its rating (or none yet) and the agreed score of
    the scan before it, grouped by kind: three queries, four with a previous scan."""
    ksbs = KSB.objects.filter(standard_id=scan.apprenticeship.standard_id)
    ratings = {rating.ksb_id: rating for rating in scan.ratings.all()}
    previous = previous_scan(scan, scan.apprenticeship.scans.all())
    before = agreed_scores_of(previous.ratings.all()) if previous else {}
    rows = {kind: [] for kind, _ in KINDS}
    for ksb in ksbs:
        rows[ksb.kind].append(CheckRow(ksb, ratings.get(ksb.pk), before.get(ksb.pk)))
    sections = [(kind.lower(), label, rows[kind]) for kind, label in KINDS if rows[kind]]
    return ScanCheck(sections=sections, previous=previous)


def employer_differences(results):
    """The rows of a scan's results (skillscan.selectors.scan_results) where the employer gave
    a score other than the apprentice's, in code order: no query."""
    return [
        row
        for row in results.rows
        if row.rating is not None
        and row.rating.employer_score is not None
        and row.rating.employer_score != row.rating.score
    ]
