"""What a KSB said when a record was made. A submitted scan, accepted evidence, a signed review
and the portfolio show the words they were made against, read from the KSB's wording history
(django-simple-history's HistoricalKSB rows), with a note where the words have changed since.

The text at a moment T is the description of the latest historical row dated at or before T;
before every row, the earliest row's text; with no rows at all, the current text.

A KSB loaded by a fixture or written in bulk has no history row, so its first edit would leave
only the new words on record. ``ensure_wording_baseline`` (and the pre_save receiver in
signals.py, for single saves) first records the words as they were."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.html import format_html

from .models import KSB

BASELINE_REASON = "Wording before its first recorded edit"


@dataclass(frozen=True)
class Wording:
    """A KSB's words as a record holds them (``text``), today's (``current_text``), whether
    they differ, and ``from_version`` ("1.0") when the KSB is of another version of the
    standard than the apprenticeship is on now (else "")."""

    text: str
    current_text: str
    changed: bool
    from_version: str = ""

    def badges(self):
        """Phrasing content to put right after the text: the notes a reader must not miss."""
        parts = []
        if self.changed:
            parts.append(
                format_html(
                    '<span class="wording-note badge text-bg-warning">{}</span>',
                    "wording since changed",
                )
            )
        if self.from_version:
            parts.append(
                format_html(
                    '<span class="version-note badge text-bg-secondary">{}</span>',
                    self.version_label,
                )
            )
        return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else ""

    def current_details(self):
        """A closed disclosure with today's words, where they differ (flow content)."""
        if not self.changed:
            return ""
        return format_html(
            '<details class="wording-current"><summary>Current wording</summary>'
            '<p class="small mb-0">{}</p></details>',
            self.current_text,
        )

    @property
    def version_label(self):
        return f"from version {self.from_version}" if self.from_version else ""


class WordingBook:
    """The wording history of some KSBs, read in one query: ``at(ksb_id, when)``."""

    def __init__(self, ksbs, history, standard=None):
        self._ksbs = {ksb.pk: ksb for ksb in ksbs}
        self._dates = {pk: [when for when, _ in rows] for pk, rows in history.items()}
        self._texts = {pk: [text for _, text in rows] for pk, rows in history.items()}
        self._standard = standard

    def text_at(self, ksb_id, when):
        """The KSB's description at ``when`` (None: now)."""
        current = self._ksbs[ksb_id].description
        texts = self._texts.get(ksb_id)
        if when is None or not texts:
            return current
        index = bisect_right(self._dates[ksb_id], when)
        return texts[max(index - 1, 0)]

    def at(self, ksb_id, when):
        """The Wording of KSB ``ksb_id`` for a record made at ``when`` (None: not made yet,
        so today's words)."""
        ksb = self._ksbs[ksb_id]
        text = self.text_at(ksb_id, when)
        return Wording(
            text=text,
            current_text=ksb.description,
            changed=text != ksb.description,
            from_version=self.version_of(ksb),
        )

    def version_of(self, ksb):
        """The KSB's version when it is not the apprenticeship's current one, else ""."""
        standard = self._standard
        if standard is None or ksb.standard_id == standard.pk:
            return ""
        other = ksb.standard
        if other.reference != standard.reference:
            return f"{other.reference} {other.version}"
        return other.version


def wording_book(ksbs, *, standard=None):
    """A WordingBook for ``ksbs`` (KSB instances, their ``description`` today's words): one
    query, whatever the number of KSBs and of moments asked about. With ``standard`` (the
    version the apprenticeship is on), a KSB of another version is given ``from_version``;
    such KSBs should come with their standard loaded (select_related)."""
    ksbs = list({ksb.pk: ksb for ksb in ksbs}.values())
    history = {}
    if ksbs:
        rows = (
            KSB.history.filter(id__in=[ksb.pk for ksb in ksbs])
            .order_by("id", "history_date", "history_id")
            .values_list("id", "history_date", "description")
        )
        for pk, when, text in rows:
            history.setdefault(pk, []).append((when, text))
    return WordingBook(ksbs, history, standard)


def _baseline_rows(model, instances, when):
    historical = model.history.model
    return [
        historical(
            history_date=when,
            history_user=None,
            history_change_reason=BASELINE_REASON,
            history_type="+",
            **{field.attname: getattr(obj, field.attname) for field in historical.tracked_fields},
        )
        for obj in instances
    ]


def record_baseline(model, instances):
    """Write a baseline history row for each of ``instances`` (as they are in the database)
    that has none yet, dated a moment before now. Returns how many were written."""
    instances = [obj for obj in instances if obj.pk is not None]
    if not instances:
        return 0
    known = set(
        model.history.filter(id__in=[obj.pk for obj in instances])
        .values_list("id", flat=True)
        .distinct()
    )
    missing = [obj for obj in instances if obj.pk not in known]
    when = timezone.now() - timedelta(microseconds=1)
    model.history.model.objects.bulk_create(_baseline_rows(model, missing, when))
    return len(missing)


def ensure_wording_baseline(ksbs):
    """Before KSBs' words change in bulk: record the words of each of ``ksbs`` (KSB instances
    as they are in the database before the change) that has no history row yet, so records
    made before the change keep showing them. Returns how many baselines were written."""
    return record_baseline(KSB, ksbs)
