"""fixtures/st0825.json must hold ST0825 exactly as its published text says, and must be what
the importer makes of the IfATE record (it is generated, never edited by hand)."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.serializers import serialize

from standards.ifate import parse_record, read_records
from standards.models import KSB, Duty, Standard
from standards.services import standard_import
from tests.conftest import ST0116_RECORD, ST0825_RECORD, ST0825_TEXT

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "st0825.json"


def parse_seed_text(path):
    """Read the standard's published text: '• K1: ...' lines under Knowledge, Skills and
    Behaviours, then 'Duty N' blocks of '• DUTY: ...' followed by '• K4'-style lines."""
    ksbs, duties, duty = {}, {}, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.replace("\u2022", " ").split())
        if match := re.fullmatch(r"Duty (\d+)", line):
            duty = int(match[1])
            duties[duty] = {"text": None, "ksbs": []}
        elif match := re.fullmatch(r"DUTY: (.+)", line):
            duties[duty]["text"] = match[1]
        elif match := re.fullmatch(r"([KSB]\d+): (.+)", line):
            ksbs[match[1]] = match[2]
        elif (match := re.fullmatch(r"([KSB]\d+)", line)) and duty is not None:
            duties[duty]["ksbs"].append(match[1])
    return ksbs, duties


SEED_KSBS, SEED_DUTIES = parse_seed_text(ST0825_TEXT)


def test_seed_text_parser_finds_the_whole_standard():
    kinds = [code[0] for code in SEED_KSBS]
    assert (kinds.count("K"), kinds.count("S"), kinds.count("B")) == (25, 22, 4)
    assert len(SEED_DUTIES) == 13
    assert sum(len(duty["ksbs"]) for duty in SEED_DUTIES.values()) == 236


def test_fixture_loads_st0825_with_its_counts(st0825):
    assert str(st0825) == "ST0825 DevOps engineer (v1.0)"
    assert (st0825.level, st0825.typical_duration_months) == (4, 24)
    assert st0825.ksbs.filter(kind="K").count() == 25
    assert st0825.ksbs.filter(kind="S").count() == 22
    assert st0825.ksbs.filter(kind="B").count() == 4
    assert st0825.duties.count() == 13
    assert Duty.ksbs.through.objects.filter(duty__standard=st0825).count() == 236


def test_fixture_texts_equal_the_published_standard_word_for_word(st0825):
    loaded = {ksb.code: ksb.description for ksb in st0825.ksbs.all()}
    assert loaded == {code: " ".join(text.split()) for code, text in SEED_KSBS.items()}
    for duty in st0825.duties.prefetch_related("ksbs"):
        seed = SEED_DUTIES[duty.number]
        assert duty.description == " ".join(seed["text"].split())
        assert [ksb.code for ksb in duty.ksbs.all()] == seed["ksbs"]


def test_loading_the_fixture_twice_changes_nothing(st0825):
    before = {
        "ksbs": sorted(KSB.objects.values_list("pk", "kind", "number", "description")),
        "duties": sorted(Duty.objects.values_list("pk", "number", "description")),
        "links": sorted(Duty.ksbs.through.objects.values_list("duty_id", "ksb_id")),
    }
    call_command("loaddata", "st0825", verbosity=0)
    after = {
        "ksbs": sorted(KSB.objects.values_list("pk", "kind", "number", "description")),
        "duties": sorted(Duty.objects.values_list("pk", "number", "description")),
        "links": sorted(Duty.ksbs.through.objects.values_list("duty_id", "ksb_id")),
    }
    assert after == before
    assert Standard.objects.count() == 1


def test_fixture_loads_into_a_database_that_holds_other_standards():
    call_command("import_standard", str(ST0116_RECORD), stdout=None)
    software = Standard.objects.get(reference="ST0116")
    software_ksbs = list(software.ksbs.values_list("pk", "description"))
    call_command("loaddata", "st0825", verbosity=0)
    assert Standard.objects.count() == 2
    assert list(software.ksbs.values_list("pk", "description")) == software_ksbs
    assert Standard.objects.get(reference="ST0825").ksbs.count() == 51


def test_fixture_is_what_the_importer_makes_of_the_ifate_record():
    (record,) = read_records(ST0825_RECORD)
    standard_import(parsed=parse_record(record))
    objects = [*Standard.objects.all(), *KSB.objects.order_by("pk"), *Duty.objects.order_by("pk")]
    generated = serialize(
        "json", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == json.loads(generated), (
        "fixtures/st0825.json is out of date: regenerate it with `make fixtures`."
    )
