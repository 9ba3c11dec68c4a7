"""`python manage.py import_standard`: upserts by (reference, version), one line per record,
each record whole or not at all, exit status 1 when any record was skipped."""

import copy
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models

from standards.models import KSB, Duty, Standard
from tests.conftest import ST0116_RECORD, ST0825_RECORD

pytestmark = pytest.mark.django_db

ST0825 = json.loads(ST0825_RECORD.read_text(encoding="utf-8"))
PROJECT = Path(__file__).resolve().parents[2]


def run(*paths):
    """Run the command; return (stdout lines, stderr lines, exit status)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_standard", *map(str, paths), stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        status = exc.returncode
        err.write(str(exc))
    return out.getvalue().splitlines(), err.getvalue().splitlines(), status


def write(tmp_path, data, name="record.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def snapshot():
    return {
        "standards": sorted(Standard.objects.values_list()),
        "ksbs": sorted(KSB.objects.values_list()),
        "duties": sorted(Duty.objects.values_list()),
        "links": sorted(Duty.ksbs.through.objects.values_list("duty_id", "ksb_id")),
    }


def test_imports_both_sample_records():
    out, err, status = run(ST0825_RECORD, ST0116_RECORD)
    assert status == 0
    assert out == [
        f"{ST0825_RECORD}: ST0825 v1.0 DevOps engineer: imported "
        "(25 K, 22 S, 4 B, 13 duties, 236 duty-KSB links)",
        f"{ST0116_RECORD}: ST0116 v1.1 Software developer: imported "
        "(12 K, 17 S, 9 B, 21 duties, 191 duty-KSB links)",
    ]
    assert err == []
    st0825 = Standard.objects.get(reference="ST0825", version="1.0")
    assert st0825.title == "DevOps engineer"
    assert st0825.url.startswith("https://www.instituteforapprenticeships.org/")
    assert st0825.duties.get(number=1).ksbs.count() == 21


def test_importing_the_same_file_again_is_unchanged_and_creates_nothing():
    run(ST0825_RECORD)
    before = snapshot()
    out, _, status = run(ST0825_RECORD)
    assert status == 0
    assert out == [f"{ST0825_RECORD}: ST0825 v1.0 DevOps engineer: unchanged"]
    assert snapshot() == before


def test_a_changed_text_is_updated_in_place(tmp_path):
    run(ST0825_RECORD)
    k7 = KSB.objects.get(standard__reference="ST0825", kind="K", number=7)
    data = copy.deepcopy(ST0825)
    data["knowledges"][6]["detail"] = "General purpose programming, and infrastructure-as-code."
    data["duties"][3]["dutyDetail"] = "Work as part of an agile team."
    data["title"] = "DevOps engineer (revised)"
    out, _, status = run(write(tmp_path, data))
    assert status == 0
    assert out[0].endswith(": updated (title, K7 text, duty 4 text)")
    k7_after = KSB.objects.get(pk=k7.pk)
    assert k7_after.description == "General purpose programming, and infrastructure-as-code."
    assert Duty.objects.get(standard__reference="ST0825", number=4).description == (
        "Work as part of an agile team."
    )
    assert KSB.objects.count() == 51


def test_changed_links_added_and_removed_ksbs_and_duties_are_applied(tmp_path):
    run(ST0825_RECORD)
    data = copy.deepcopy(ST0825)
    data["duties"][0]["mappedBehaviour"] = []  # duty 1 loses B2 and B3
    data["behaviours"].append({"behaviourId": "new-guid", "detail": "Is curious."})
    data["duties"][1]["mappedBehaviour"].append("new-guid")
    removed_skill = data["skills"].pop()  # S22 goes
    for duty in data["duties"]:
        if duty["mappedSkills"]:
            duty["mappedSkills"] = [
                g for g in duty["mappedSkills"] if g != removed_skill["skillId"]
            ]
    data["duties"].pop()  # duty 13 goes
    out, _, status = run(write(tmp_path, data))
    assert status == 0, out
    assert "B5 added" in out[0] and "S22 removed" in out[0] and "duty 13 removed" in out[0]
    st0825 = Standard.objects.get(reference="ST0825")
    assert not st0825.duties.get(number=1).ksbs.filter(kind="B").exists()
    assert st0825.duties.get(number=2).ksbs.filter(kind="B", number=5).exists()
    assert not st0825.ksbs.filter(kind="S", number=22).exists()
    assert st0825.duties.count() == 12


def test_one_line_per_record_in_a_file_of_several(tmp_path):
    retired = {"referenceNumber": "ST0001", "title": "Retired thing", "level": 2, "version": "1.0"}
    path = write(tmp_path, [ST0825, retired, "junk"])
    out, err, status = run(path)
    assert out == [
        f"{path} record 1: ST0825 v1.0 DevOps engineer: imported "
        "(25 K, 22 S, 4 B, 13 duties, 236 duty-KSB links)",
        f"{path} record 2: skipped: has no KSBs (knowledges, skills and behaviours are all empty)",
        f"{path} record 3: skipped: not a standard (a JSON str, not an object)",
    ]
    assert status == 1
    assert err[-1] == "2 of 3 record(s) skipped."
    assert Standard.objects.count() == 1


def test_an_older_record_without_duties_imports_its_ksbs(tmp_path):
    data = {**copy.deepcopy(ST0825), "templateType": "Apprenticeship Standard"}
    del data["duties"]
    out, _, status = run(write(tmp_path, data))
    assert status == 0
    assert out[0].endswith("imported (25 K, 22 S, 4 B, 0 duties, 0 duty-KSB links)")
    assert Standard.objects.get().ksbs.count() == 51


def test_unknown_guids_are_skipped_with_a_warning_and_the_record_imports(tmp_path):
    data = copy.deepcopy(ST0825)
    data["duties"][4]["mappedKnowledge"].append("not-a-real-guid")
    out, err, status = run(write(tmp_path, data))
    assert status == 0
    assert "imported" in out[0]
    assert err == [
        f"{tmp_path / 'record.json'}: ST0825 v1.0 DevOps engineer: warning: duty 5 names 1 KSB "
        "id(s) not in the record, skipped: not-a-real-guid"
    ]


def test_missing_file_and_invalid_json_are_one_line_each(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"referenceNumber": ', encoding="utf-8")
    out, _, status = run(tmp_path / "missing.json", broken, ST0116_RECORD)
    assert status == 1
    assert out[0] == f"{tmp_path / 'missing.json'}: skipped: no such file"
    assert out[1].startswith(f"{broken}: skipped: invalid JSON (line 1, column 21")
    assert out[2].endswith(
        "ST0116 v1.1 Software developer: imported (12 K, 17 S, 9 B, 21 duties, 191 duty-KSB links)"
    )


def test_an_invalid_field_value_refuses_the_record_and_writes_nothing(tmp_path):
    out, _, status = run(write(tmp_path, {**ST0825, "title": "x" * 300}))
    assert status == 1
    assert out[0].endswith(
        "skipped: invalid data (title: Ensure this value has at most 255 characters (it has 300).)"
    )
    assert Standard.objects.count() == 0


def test_command_exits_with_status_1_and_no_traceback_from_the_shell(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("not json", encoding="utf-8")
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT, env=env, check=True
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "import_standard", str(broken)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stdout == f"{broken}: skipped: invalid JSON (line 1, column 1: Expecting value)\n"
    assert "Traceback" not in result.stderr


@pytest.fixture
def referencing_models(transactional_db):
    """Two stand-ins for the later apps' data: a rating-like row that protects its KSB and an
    evidence-like row linked to KSBs through a many-to-many. Their tables exist only for the
    test and the models are taken out of the app registry afterwards."""
    from django.apps import apps

    class KSBNote(models.Model):
        ksb = models.ForeignKey(KSB, on_delete=models.PROTECT)

        class Meta:
            app_label = "standards"
            verbose_name_plural = "KSB notes"

    class Logbook(models.Model):
        ksbs = models.ManyToManyField(KSB)

        class Meta:
            app_label = "standards"
            verbose_name_plural = "logbooks"

    with connection.schema_editor() as editor:
        for model in (KSBNote, Logbook):
            editor.create_model(model)
    yield KSBNote, Logbook
    with connection.schema_editor() as editor:
        for model in (Logbook, KSBNote):
            editor.delete_model(model)
    for name in ("ksbnote", "logbook", "logbook_ksbs"):
        apps.all_models["standards"].pop(name, None)
    apps.clear_cache()


def _without_s22(data):
    gone = data["skills"].pop()["skillId"]
    for duty in data["duties"]:
        duty["mappedSkills"] = [g for g in duty["mappedSkills"] or [] if g != gone]
    return data


@pytest.mark.parametrize("kind", ["protected", "many-to-many"])
def test_a_ksb_that_other_data_refers_to_is_never_deleted(tmp_path, referencing_models, kind):
    KSBNote, Logbook = referencing_models
    run(ST0825_RECORD)
    s22 = KSB.objects.get(kind="S", number=22)
    if kind == "protected":
        KSBNote.objects.create(ksb=s22)
        expected = "1 KSB notes"
    else:
        Logbook.objects.create().ksbs.add(s22)
        expected = "1 logbook-ksb relationships"
    before = snapshot()
    data = _without_s22(copy.deepcopy(ST0825))
    data["title"] = "Changed title that must not be saved"
    out, _, status = run(write(tmp_path, data))
    assert status == 1
    assert out[0].endswith(
        f"skipped: the record no longer has S22, but {expected} refer to it; nothing was changed"
    )
    assert snapshot() == before


def test_an_unreferenced_ksb_is_deleted_when_other_tables_exist(tmp_path, referencing_models):
    run(ST0825_RECORD)
    out, _, status = run(write(tmp_path, _without_s22(copy.deepcopy(ST0825))))
    assert status == 0
    assert "S22 removed" in out[0]
