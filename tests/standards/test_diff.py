"""standards.diff: what changed between two versions of a standard, matched by KSB code and
duty number, with a word-level diff of reworded texts."""

import pytest
from django.core.management import call_command

from standards.diff import DELETED, INSERTED, SAME, standard_diff, word_diff
from standards.models import Standard
from tests.conftest import DATA, ST0825_RECORD
from tests.factories import DutyFactory, KSBFactory, StandardFactory

pytestmark = pytest.mark.django_db

ST0825_V11_RECORD = DATA / "ST0825_v1.1.test.json"


def build(version, ksbs, duties, reference="ST0001"):
    """A small standard: ``ksbs`` maps codes to texts, ``duties`` numbers to (text, codes)."""
    standard = StandardFactory(reference=reference, version=version)
    made = {
        code: KSBFactory(standard=standard, kind=code[0], number=int(code[1:]), description=text)
        for code, text in ksbs.items()
    }
    for number, (text, codes) in duties.items():
        DutyFactory(
            standard=standard, number=number, description=text, ksbs=[made[c] for c in codes]
        )
    return standard


BASE_KSBS = {
    "K1": "Know the cloud.",
    "K2": "Know the network.",
    "S1": "Deploy code.",
    "B1": "Be kind.",
}
BASE_DUTIES = {1: ("Run the pipeline.", ["K1", "S1"]), 2: ("Mind the network.", ["K2", "B1"])}


def codes(items):
    return [getattr(item, "code", None) or getattr(item, "label", None) for item in items]


def test_two_identical_versions_have_no_changes():
    diff = standard_diff(build("1.0", BASE_KSBS, BASE_DUTIES), build("1.1", BASE_KSBS, BASE_DUTIES))
    assert not diff.has_changes
    assert diff.summary == "No changes"
    assert diff.ksbs_added == diff.ksbs_removed == diff.ksbs_reworded == []
    assert diff.duties_added == diff.duties_removed == diff.duties_remapped == []


def test_spacing_alone_is_not_a_rewording():
    spaced = {**BASE_KSBS, "K1": "Know  the\ncloud. "}
    diff = standard_diff(build("1.0", BASE_KSBS, BASE_DUTIES), build("1.1", spaced, BASE_DUTIES))
    assert not diff.has_changes


def test_every_ksb_reworded():
    reworded = {code: f"{text} Again." for code, text in BASE_KSBS.items()}
    diff = standard_diff(build("1.0", BASE_KSBS, BASE_DUTIES), build("1.1", reworded, BASE_DUTIES))
    assert codes(diff.ksbs_reworded) == ["K1", "K2", "S1", "B1"]
    assert diff.ksbs_added == diff.ksbs_removed == [] and not diff.duties_remapped
    k1 = diff.ksbs_reworded[0]
    assert (k1.old_text, k1.new_text) == ("Know the cloud.", "Know the cloud. Again.")
    assert k1.words == [(SAME, "Know the cloud."), (INSERTED, "Again.")]
    assert diff.summary == "4 KSBs reworded"


def test_ksbs_added_and_removed_change_the_duties_that_drew_on_them():
    new_ksbs = {
        "K1": "Know the cloud.",
        "K3": "Know the data.",
        "S1": "Deploy code.",
        "B1": "Be kind.",
    }
    new_duties = {1: ("Run the pipeline.", ["K1", "S1", "K3"]), 2: ("Mind the network.", ["B1"])}
    diff = standard_diff(build("1.0", BASE_KSBS, BASE_DUTIES), build("1.1", new_ksbs, new_duties))
    assert codes(diff.ksbs_added) == ["K3"]
    assert codes(diff.ksbs_removed) == ["K2"]
    assert diff.ksbs_reworded == []
    assert [(d.number, d.added, d.removed) for d in diff.duties_remapped] == [
        (1, ["K3"], []),
        (2, [], ["K2"]),
    ]
    assert diff.summary == "1 KSB added, 1 removed; 2 duties remapped"


def test_duty_added_removed_and_reworded():
    new_duties = {
        1: ("Run the delivery pipeline.", ["K1", "S1"]),
        3: ("Keep the lights on.", ["K2", "B1"]),
    }
    diff = standard_diff(build("1.0", BASE_KSBS, BASE_DUTIES), build("1.1", BASE_KSBS, new_duties))
    assert [d.number for d in diff.duties_added] == [3]
    assert [k.code for k in diff.duties_added[0].ksb_list] == ["K2", "B1"]
    assert [d.number for d in diff.duties_removed] == [2]
    assert codes(diff.duties_reworded) == ["Duty 1"]
    assert diff.duties_reworded[0].words == [
        (SAME, "Run the"),
        (INSERTED, "delivery"),
        (SAME, "pipeline."),
    ]
    # An added or removed duty is listed as such, not as a remapping as well.
    assert diff.duties_remapped == []
    assert diff.summary == "1 duty added, 1 removed, 1 reworded"


def test_a_standard_without_duties_against_one_with_them():
    diff = standard_diff(build("1.0", BASE_KSBS, {}), build("1.1", BASE_KSBS, BASE_DUTIES))
    assert [d.number for d in diff.duties_added] == [1, 2]
    assert diff.duties_removed == [] and diff.duties_remapped == []
    assert diff.summary == "2 duties added"


def test_a_replaced_word_is_removed_then_added_in_reading_order():
    assert word_diff("Use data ethically.", "Use information ethically.") == [
        (SAME, "Use"),
        (DELETED, "data"),
        (INSERTED, "information"),
        (SAME, "ethically."),
    ]
    assert word_diff("", "New.") == [(INSERTED, "New.")]
    assert word_diff("Old.", "") == [(DELETED, "Old.")]


def test_the_diff_costs_three_queries_per_version_whatever_the_size(django_assert_num_queries):
    big = {f"K{n}": f"Knowledge {n}." for n in range(1, 40)}
    old = build("1.0", big, {n: (f"Duty {n}.", list(big)[:n]) for n in range(1, 12)})
    new = build("1.1", big, {n: (f"Duty {n}.", list(big)[n:]) for n in range(1, 12)})
    with django_assert_num_queries(6):
        diff = standard_diff(old, new)
    assert len(diff.duties_remapped) == 11


def test_importing_st0825_1_1_beside_1_0_gives_exactly_the_edits_of_the_record():
    call_command("import_standard", str(ST0825_RECORD), stdout=None)
    call_command("import_standard", str(ST0825_V11_RECORD), stdout=None)
    old = Standard.objects.get(reference="ST0825", version="1.0")
    new = Standard.objects.get(reference="ST0825", version="1.1")

    diff = standard_diff(old, new)

    assert codes(diff.ksbs_added) == ["K26"]
    assert diff.ksbs_added[0].description == (
        "Platform engineering: internal developer platforms and golden paths."
    )
    assert codes(diff.ksbs_removed) == ["S22"]
    assert codes(diff.ksbs_reworded) == ["K3"]
    k3 = diff.ksbs_reworded[0]
    assert k3.old_text.endswith("relevant data protection policy and legislation.")
    assert k3.new_text.endswith("legislation, including cloud-native patterns.")
    assert k3.words[1:] == [
        (DELETED, "legislation."),
        (INSERTED, "legislation, including cloud-native patterns."),
    ]
    # S22 goes from every duty that drew on it in 1.0 (duties 1, 7 and 8), and duty 2 gains
    # K26; no other duty's KSBs change.
    assert [(d.number, d.added, d.removed) for d in diff.duties_remapped] == [
        (1, [], ["S22"]),
        (2, ["K26"], []),
        (7, [], ["S22"]),
        (8, [], ["S22"]),
    ]
    assert diff.duties_added == diff.duties_removed == diff.duties_reworded == []
    assert diff.summary == "1 KSB added, 1 removed, 1 reworded; 4 duties remapped"
    # Both versions stand side by side; the older one is untouched.
    assert old.ksbs.count() == 51 and new.ksbs.count() == 51
