"""What changed between two versions of a standard: KSBs matched by code and duties by number.

``standard_diff`` reads each version's structure through ``selectors.standard_structure`` (three
queries per version at most, none when the structure is already kept) and compares them in
memory; it writes nothing."""

import difflib
from dataclasses import dataclass, field

from .selectors import standard_structure

SAME, DELETED, INSERTED = "same", "del", "ins"


@dataclass(frozen=True)
class Reworded:
    """An item in both versions whose text differs: ``label`` ("K3", "Duty 4"), its ``anchor``
    on a version's page ("K3", "duty-4"), both texts and ``words``, a word-level diff as
    (``SAME`` | ``DELETED`` | ``INSERTED``, text) pairs."""

    label: str
    anchor: str
    old_text: str
    new_text: str
    words: list[tuple[str, str]]


@dataclass(frozen=True)
class Remapped:
    """A duty in both versions whose KSBs differ: the codes added to it and removed from it."""

    number: int
    description: str
    added: list[str]
    removed: list[str]


@dataclass
class StandardDiff:
    old: object
    new: object
    ksbs_added: list = field(default_factory=list)
    ksbs_removed: list = field(default_factory=list)
    ksbs_reworded: list[Reworded] = field(default_factory=list)
    duties_added: list = field(default_factory=list)
    duties_removed: list = field(default_factory=list)
    duties_reworded: list[Reworded] = field(default_factory=list)
    duties_remapped: list[Remapped] = field(default_factory=list)

    @property
    def has_changes(self):
        return any(
            (
                self.ksbs_added,
                self.ksbs_removed,
                self.ksbs_reworded,
                self.duties_added,
                self.duties_removed,
                self.duties_reworded,
                self.duties_remapped,
            )
        )

    @property
    def summary(self):
        """One line of counts: "1 KSB added, 1 removed, 1 reworded; 2 duties remapped"."""
        ksbs = _counts(
            ("KSB", "KSBs"),
            [
                (len(self.ksbs_added), "added"),
                (len(self.ksbs_removed), "removed"),
                (len(self.ksbs_reworded), "reworded"),
            ],
        )
        duties = _counts(
            ("duty", "duties"),
            [
                (len(self.duties_added), "added"),
                (len(self.duties_removed), "removed"),
                (len(self.duties_reworded), "reworded"),
                (len(self.duties_remapped), "remapped"),
            ],
        )
        parts = [part for part in (ksbs, duties) if part]
        return "; ".join(parts) if parts else "No changes"


def _counts(nouns, counts):
    shown = [(n, what) for n, what in counts if n]
    if not shown:
        return ""
    (first, what), rest = shown[0], shown[1:]
    noun = nouns[0] if first == 1 else nouns[1]
    return ", ".join([f"{first} {noun} {what}", *(f"{n} {what}" for n, what in rest)])


def _normalised(text):
    return " ".join(text.split())


def word_diff(old_text, new_text):
    """The word-level difference of two texts as (operation, words) pairs, in reading order."""
    old_words, new_words = old_text.split(), new_text.split()
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    words = []
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "equal":
            words.append((SAME, " ".join(old_words[a_start:a_end])))
            continue
        if a_end > a_start:
            words.append((DELETED, " ".join(old_words[a_start:a_end])))
        if b_end > b_start:
            words.append((INSERTED, " ".join(new_words[b_start:b_end])))
    return words


def _reworded(label, anchor, old_text, new_text):
    # Spacing alone (a doubled space, a line break) is not a rewording.
    if _normalised(old_text) == _normalised(new_text):
        return None
    return Reworded(label, anchor, old_text, new_text, word_diff(old_text, new_text))


def standard_diff(old, new):
    """What changed from version ``old`` to version ``new`` of a standard: KSBs (by code) and
    duties (by number) added, removed and reworded, and each duty in both whose KSBs (by code)
    differ. Lists follow the standard's order: K, S, B by number; duties by number."""
    before, after = standard_structure(old), standard_structure(new)
    diff = StandardDiff(old=old, new=new)

    old_ksbs = {ksb.code: ksb for ksb in before.ksbs}
    new_ksbs = {ksb.code: ksb for ksb in after.ksbs}
    diff.ksbs_removed = [ksb for ksb in before.ksbs if ksb.code not in new_ksbs]
    diff.ksbs_added = [ksb for ksb in after.ksbs if ksb.code not in old_ksbs]
    for ksb in after.ksbs:
        if ksb.code in old_ksbs:
            was = old_ksbs[ksb.code]
            change = _reworded(ksb.code, ksb.code, was.description, ksb.description)
            if change:
                diff.ksbs_reworded.append(change)

    old_duties = {duty.number: duty for duty in before.duties}
    new_duties = {duty.number: duty for duty in after.duties}
    diff.duties_removed = [duty for duty in before.duties if duty.number not in new_duties]
    diff.duties_added = [duty for duty in after.duties if duty.number not in old_duties]
    for duty in after.duties:
        was = old_duties.get(duty.number)
        if was is None:
            continue
        label, anchor = f"Duty {duty.number}", f"duty-{duty.number}"
        change = _reworded(label, anchor, was.description, duty.description)
        if change:
            diff.duties_reworded.append(change)
        old_codes = {ksb.code for ksb in was.ksb_list}
        new_codes = {ksb.code for ksb in duty.ksb_list}
        if old_codes != new_codes:
            diff.duties_remapped.append(
                Remapped(
                    number=duty.number,
                    description=duty.description,
                    added=[k.code for k in duty.ksb_list if k.code not in old_codes],
                    removed=[k.code for k in was.ksb_list if k.code not in new_codes],
                )
            )
    return diff
