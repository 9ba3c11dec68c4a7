"""Issue 13 and the importer: a newer IfATE record adds a version beside the others; a
version in use takes wording corrections (kept in history) but refuses structural changes;
the version status an admin set is kept; a record whose KSBs collide is refused whole."""

import copy
import json

import pytest

from standards.models import KSB, Duty, Standard
from tests.conftest import DATA, ST0825_RECORD
from tests.factories import ApprenticeshipFactory

from .test_import_command import run, snapshot, write

pytestmark = pytest.mark.django_db

ST0825 = json.loads(ST0825_RECORD.read_text(encoding="utf-8"))
V11_RECORD = DATA / "ST0825_v1.1.test.json"


def codes(standard):
    return {ksb.code for ksb in standard.ksbs.all()}


def test_a_new_version_is_imported_beside_the_old_one():
    run(ST0825_RECORD)
    v10 = Standard.objects.get(version="1.0")
    before = snapshot()
    out, _, status = run(V11_RECORD)
    assert status == 0
    assert out == [
        f"{V11_RECORD}: ST0825 v1.1 DevOps engineer: imported "
        "(26 K, 21 S, 4 B, 13 duties, 234 duty-KSB links)"
    ]
    v11 = Standard.objects.get(reference="ST0825", version="1.1")
    assert v11.status == Standard.Status.APPROVED
    assert codes(v11) == codes(v10) - {"S22"} | {"K26"}
    assert (
        v11.ksbs.get(kind="K", number=3).description != v10.ksbs.get(kind="K", number=3).description
    )
    assert v11.duties.get(number=2).ksbs.filter(kind="K", number=26).exists()
    assert not v11.duties.get(number=1).ksbs.filter(kind="S", number=22).exists()
    # 1.0 is untouched.
    assert {k: sorted(v for v in rows if v in before[k]) for k, rows in snapshot().items()} == (
        before
    )
    assert v11.history.get().history_change_reason == "import_standard"
    assert KSB.history.filter(standard_id=v11.pk, history_type="+").count() == 51


def test_a_version_in_use_takes_wording_corrections_into_its_history(tmp_path):
    run(ST0825_RECORD)
    ApprenticeshipFactory.create_batch(3, standard=Standard.objects.get())
    data = copy.deepcopy(ST0825)
    data["knowledges"][2]["detail"] = "Infrastructure as code, reviewed as a team."
    data["duties"][3]["dutyDetail"] = "Work as part of an agile team."
    out, _, status = run(write(tmp_path, data))
    assert status == 0, out
    assert out[0].endswith("updated (K3 text, duty 4 text)")
    k3 = KSB.objects.get(kind="K", number=3)
    assert k3.description == "Infrastructure as code, reviewed as a team."
    latest = k3.history.first()
    assert (latest.history_type, latest.history_change_reason) == ("~", "import_standard")
    assert latest.prev_record.description == ST0825["knowledges"][2]["detail"].strip()
    duty = Duty.objects.get(number=4)
    assert duty.history.first().history_change_reason == "import_standard"


def test_a_version_in_use_refuses_a_structural_change_and_keeps_everything(tmp_path):
    run(ST0825_RECORD)
    ApprenticeshipFactory.create_batch(3, standard=Standard.objects.get())
    data = json.loads(V11_RECORD.read_text(encoding="utf-8"))
    data["version"] = data["versionNumber"] = "1.0"
    data["title"] = "A title that must not be saved"
    before = snapshot()
    history = KSB.history.count()
    out, _, status = run(write(tmp_path, data))
    assert status == 1
    assert out[0].endswith(
        "skipped: the record adds K26, removes S22, remaps duties 1, 2, 7, 8, but ST0825 v1.0 "
        "is in use by 3 apprenticeships: its KSBs and duties cannot be added, removed, "
        'renumbered or remapped. Make a new version with "Copy as a new draft version". '
        "Nothing was changed."
    )
    assert snapshot() == before
    assert KSB.history.count() == history


def test_an_unused_version_takes_structural_changes_as_before(tmp_path):
    run(ST0825_RECORD)
    data = json.loads(V11_RECORD.read_text(encoding="utf-8"))
    data["version"] = data["versionNumber"] = "1.0"
    out, _, status = run(write(tmp_path, data))
    assert status == 0, out
    assert codes(Standard.objects.get()) == {f"K{n}" for n in range(1, 27)} | {
        f"S{n}" for n in range(1, 22)
    } | {f"B{n}" for n in range(1, 5)}


@pytest.mark.parametrize(
    "admin_set, record_says, expected",
    [
        ("draft", "Approved for delivery", "draft"),  # approving is the admin's decision
        ("retired", "Approved for delivery", "retired"),
        ("approved", "In development", "approved"),
        ("approved", "Retired", "retired"),  # IfATE retiring a version retires it here
        ("draft", "Withdrawn", "retired"),
    ],
)
def test_an_update_keeps_the_status_an_admin_set_unless_the_record_retires_it(
    tmp_path, admin_set, record_says, expected
):
    run(ST0825_RECORD)
    Standard.objects.update(status=admin_set)
    out, _, status = run(write(tmp_path, {**ST0825, "status": record_says}))
    assert status == 0, out
    assert Standard.objects.get().status == expected


@pytest.mark.parametrize(
    "record_says, expected",
    [("Approved for delivery", "approved"), ("In development", "draft"), ("Retired", "retired")],
)
def test_a_new_version_takes_its_status_from_the_record(tmp_path, record_says, expected):
    run(write(tmp_path, {**ST0825, "status": record_says}))
    assert Standard.objects.get().status == expected


def test_a_record_whose_ksbs_collide_is_refused_in_one_line_and_writes_nothing(tmp_path):
    data = copy.deepcopy(ST0825)
    data["knowledges"][2]["detail"] = "K4: " + data["knowledges"][3]["detail"]
    out, _, status = run(write(tmp_path, data))
    assert status == 1
    assert out == [
        f"{tmp_path / 'record.json'}: skipped: KSBs collide: the statement at K3 is labelled K4 "
        "in its text; codes follow the order of the record"
    ]
    data = copy.deepcopy(ST0825)
    data["skills"][4]["skillId"] = data["skills"][1]["skillId"]
    out, _, status = run(write(tmp_path, data))
    assert status == 1
    assert "skipped: KSBs collide: S2 and S5 have the same id " in out[0]
    assert len(out) == 1
    assert Standard.objects.count() == KSB.objects.count() == 0


def test_a_wording_correction_by_import_keeps_the_words_of_a_fixture_loaded_standard(tmp_path):
    """The fixture writes no history: the import records the words before its change first, so
    a record made before the import still reads them."""
    from django.core.management import call_command
    from django.utils import timezone

    from standards.wording import wording_book

    call_command("loaddata", "st0825", verbosity=0)
    k3 = KSB.objects.get(kind="K", number=3)
    old_words, before = k3.description, timezone.now()
    data = copy.deepcopy(ST0825)
    data["knowledges"][2]["detail"] = "Infrastructure as code, reviewed as a team."
    out, _, status = run(write(tmp_path, data))
    assert status == 0, out
    k3.refresh_from_db()
    wording = wording_book([k3]).at(k3.pk, before)
    assert (wording.text, wording.changed) == (old_words, True)
    assert wording_book([k3]).at(k3.pk, timezone.now()).text == (
        "Infrastructure as code, reviewed as a team."
    )
