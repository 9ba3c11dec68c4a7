"""Reading IfATE records: every kind of untidiness SOURCE.md lists, and files that are not
records at all."""

import copy
import json

import pytest

from standards.ifate import (
    ParsedKSB,
    RecordError,
    SourceError,
    parse_record,
    read_records,
    tidy,
)
from tests.conftest import ST0116_RECORD, ST0825_RECORD

ST0825 = json.loads(ST0825_RECORD.read_text(encoding="utf-8"))
ST0116 = json.loads(ST0116_RECORD.read_text(encoding="utf-8"))


def record(**changes):
    data = copy.deepcopy(ST0825)
    data.update(changes)
    return data


def test_st0825_parses_with_codes_from_list_positions():
    parsed = parse_record(ST0825)
    assert parsed.label == "ST0825 v1.0 DevOps engineer"
    assert [k.code for k in parsed.ksbs[:2]] == ["K1", "K2"]
    assert [k.code for k in parsed.ksbs[-2:]] == ["B3", "B4"]
    assert len(parsed.ksbs) == 51
    assert len(parsed.duties) == 13
    assert sum(len(duty.ksb_codes) for duty in parsed.duties) == 236
    assert parsed.duties[0].ksb_codes[:3] == (("K", 4), ("K", 5), ("K", 6))
    assert parsed.warnings == []


def test_st0116_parses_with_null_mapping_lists():
    parsed = parse_record(ST0116)
    assert (parsed.reference, parsed.version, parsed.title) == (
        "ST0116",
        "1.1",
        "Software developer",
    )
    kinds = [k.kind for k in parsed.ksbs]
    assert (kinds.count("K"), kinds.count("S"), kinds.count("B")) == (12, 17, 9)
    assert len(parsed.duties) == 21
    # Duty 21 has neither knowledge nor skills mapped (both null), only behaviours.
    assert {kind for kind, _ in parsed.duties[20].ksb_codes} == {"B"}


def test_doubled_spaces_in_the_record_are_collapsed():
    parsed = parse_record(ST0825)
    k14 = next(k for k in parsed.ksbs if k.code == "K14")
    assert "  " not in k14.description
    assert k14.description.startswith("Test Driven Development and the Test Pyramid. How")


@pytest.mark.parametrize(
    ("raw", "code", "expected"),
    [
        ("General purpose\tprogramming\n and  IaC. ", "K7", "General purpose programming and IaC."),
        ("\u2022 General purpose programming", "K7", "General purpose programming"),
        ("- General purpose programming", "K7", "General purpose programming"),
        ("K7: General purpose programming", "K7", "General purpose programming"),
        ("k7 - General purpose programming", "K7", "General purpose programming"),
        ("\u2022  K7:\u00a0General purpose programming", "K7", "General purpose programming"),
        # Another statement's code is the text's own business: kept.
        ("K8: General purpose programming", "K7", "K8: General purpose programming"),
        ("Use K8s and Docker", "K7", "Use K8s and Docker"),
        ("Monitoring &amp; alerting", "K11", "Monitoring & alerting"),
    ],
)
def test_tidy(raw, code, expected):
    assert tidy(raw, code) == expected


def test_a_prefixed_bulleted_tabbed_record_imports_as_tidy_text():
    data = record()
    data["knowledges"][0]["detail"] = "K1:\tContinuous  Integration -\n the benefits"
    data["skills"][2]["detail"] = "\u2022 S3 - Translate user needs"
    data["duties"][0]["dutyDetail"] = "Duty 1: Script  and code"
    parsed = parse_record(data)
    texts = {k.code: k.description for k in parsed.ksbs}
    assert texts["K1"] == "Continuous Integration - the benefits"
    assert texts["S3"] == "Translate user needs"
    assert parsed.duties[0].description == "Script and code"


def test_null_and_missing_mapping_lists_mean_no_links():
    data = record()
    data["duties"][0]["mappedKnowledge"] = None
    data["duties"][0]["mappedSkills"] = None
    del data["duties"][0]["mappedBehaviour"]
    parsed = parse_record(data)
    assert parsed.duties[0].ksb_codes == ()


def test_unknown_guids_in_a_duty_are_skipped_with_a_warning_naming_the_duty():
    data = record()
    data["duties"][2]["mappedSkills"].append("00000000-0000-0000-0000-000000000000")
    parsed = parse_record(data)
    assert len(parsed.duties[2].ksb_codes) == len(ST0825["duties"][2]["mappedKnowledge"]) + len(
        ST0825["duties"][2]["mappedSkills"]
    ) + len(ST0825["duties"][2]["mappedBehaviour"])
    assert parsed.warnings == [
        "duty 3 names 1 KSB id(s) not in the record, skipped: 00000000-0000-0000-0000-000000000000"
    ]


def test_ids_that_are_not_text_are_skipped_with_a_warning_listing_them():
    data = record()
    data["duties"][0]["mappedSkills"] += [42, None]
    parsed = parse_record(data)
    assert parsed.duties[0].ksb_codes == parse_record(ST0825).duties[0].ksb_codes
    assert parsed.warnings == ["duty 1 names 2 KSB id(s) not in the record, skipped: 42, None"]


def test_a_single_id_given_as_text_instead_of_a_list_is_linked():
    b1 = ST0825["behaviours"][0]["behaviourId"]
    data = record(duties=[{"dutyDetail": "Collaborate", "mappedBehaviour": b1}])
    assert parse_record(data).duties[0].ksb_codes == (("B", 1),)


def test_a_ksb_given_as_plain_text_is_read_as_its_detail():
    parsed = parse_record(record(knowledges=["K1: Continuous integration"], duties=None))
    assert parsed.ksbs[0] == ParsedKSB("K", 1, "Continuous integration")


def test_ksbs_without_an_id_are_read_and_blank_ids_are_not_repeats():
    behaviours = [
        {"detail": "Is curious."},
        {"behaviourId": " ", "detail": "Is kind."},
        {"behaviourId": " ", "detail": "Is patient."},
    ]
    parsed = parse_record(record(behaviours=behaviours, duties=None))
    assert [k.code for k in parsed.ksbs if k.kind == "B"] == ["B1", "B2", "B3"]
    assert parsed.warnings == []


def test_a_repeated_id_is_a_collision_naming_both_statements():
    data = record()
    s1 = data["skills"][0]["skillId"]
    data["skills"][1]["skillId"] = f" {s1.upper()} "
    data["duties"] = [{"dutyDetail": "Build pipelines", "mappedSkills": [s1]}]
    with pytest.raises(RecordError, match=r"^KSBs collide: S1 and S2 have the same id "):
        parse_record(data)


def test_an_id_repeated_across_kinds_is_a_collision():
    data = record()
    data["behaviours"][0]["behaviourId"] = data["knowledges"][2]["knowledgeId"]
    with pytest.raises(RecordError, match=r"^KSBs collide: K3 and B1 have the same id "):
        parse_record(data)


@pytest.mark.parametrize("label", ["K4:", "K4 -", "• k4."])
def test_a_text_labelled_with_another_code_of_its_kind_is_a_collision(label):
    data = record()
    data["knowledges"][2]["detail"] = f"{label} Infrastructure as code"
    with pytest.raises(RecordError) as caught:
        parse_record(data)
    assert str(caught.value) == (
        "KSBs collide: the statement at K3 is labelled K4 in its text; codes follow the order "
        "of the record"
    )


def test_a_text_labelled_with_its_own_code_or_another_kinds_is_fine():
    data = record()
    data["knowledges"][2]["detail"] = "K3: Infrastructure as code"
    data["knowledges"][3]["detail"] = "S3-compatible object storage"
    parsed = parse_record(data)
    assert parsed.ksbs[2].description == "Infrastructure as code"
    assert parsed.ksbs[3].description == "S3-compatible object storage"


def test_guids_match_whatever_their_case():
    data = record()
    data["duties"][0]["mappedKnowledge"] = [g.upper() for g in data["duties"][0]["mappedKnowledge"]]
    assert parse_record(data).duties[0].ksb_codes == parse_record(ST0825).duties[0].ksb_codes


def test_an_older_record_without_duties_imports_its_ksbs():
    data = record(templateType="Apprenticeship Standard")
    del data["duties"]
    parsed = parse_record(data)
    assert parsed.duties == []
    assert len(parsed.ksbs) == 51


@pytest.mark.parametrize("date", ["2020-03-12T00:00:00 +00:00", "2020-03-12T00:00:00", None])
def test_dates_with_and_without_offset_do_not_matter(date):
    assert parse_record(record(approvedForDelivery=date, createdDate=date)).reference == "ST0825"


def test_version_comes_from_version_or_version_number():
    data = record()
    del data["version"]
    assert parse_record(data).version == "1.0"
    data["versionNumber"] = 2
    assert parse_record(data).version == "2.0"


def test_a_version_that_is_neither_text_nor_a_number_is_passed_over():
    assert parse_record(record(version=True, versionNumber="1.1")).version == "1.1"


def test_numbers_given_as_text_are_read():
    parsed = parse_record(record(level="4", typicalDuration="18"))
    assert (parsed.level, parsed.typical_duration_months) == (4, 18)


def test_whole_numbers_given_as_floats_are_read():
    parsed = parse_record(record(level=4.0, typicalDuration=18.0))
    assert (parsed.level, parsed.typical_duration_months) == (4, 18)


@pytest.mark.parametrize("duration", [None, "", "eighteen", 18.5, [18]])
def test_a_duration_that_is_not_a_whole_number_is_left_blank(duration):
    assert parse_record(record(typicalDuration=duration)).typical_duration_months is None


def test_numbers_where_text_is_expected_are_read_as_text():
    parsed = parse_record(record(status=3, route=2.5))
    assert (parsed.status, parsed.route) == ("3", "2.5")


@pytest.mark.parametrize("overview", [None, ""])
def test_a_record_without_an_overview_has_an_empty_one(overview):
    assert parse_record(record(overviewOfRole=overview)).overview == ""


def test_overview_html_is_reduced_to_text():
    parsed = parse_record(record(overviewOfRole="&lt;p&gt;Enabling  organisations&lt;/p&gt;"))
    assert parsed.overview == "Enabling organisations"


def test_a_page_url_that_is_not_a_web_address_is_left_out_with_a_warning():
    parsed = parse_record(record(standardPageUrl="javascript:alert(1)"))
    assert parsed.url == ""
    assert "standardPageUrl" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (record(knowledges=[], skills=None, behaviours=[]), "has no KSBs"),
        (
            {"referenceNumber": "ST0001", "title": "Retired", "level": 3, "version": "1.0"},
            "has no KSBs",
        ),
        ({"frameworkCode": 420, "title": "A framework"}, "not a standard (no referenceNumber)"),
        (record(referenceNumber="Hello"), "not a standard (referenceNumber 'HELLO'"),
        ([1, 2], "not a standard (a JSON list"),
        ("ST0825", "not a standard (a JSON str"),
        (record(title="  "), "has no title"),
        (
            record(version=None, versionNumber=None),
            "has no version (neither version nor versionNumber)",
        ),
        (record(version="  ", versionNumber=False), "has no version"),
        (record(level=None), "has no level"),
        (record(level=""), "has no level"),
        (record(level="four"), "level is not a whole number: 'four'"),
        (record(level=4.5), "level is not a whole number: 4.5"),
        (record(level=True), "level is not a whole number: True"),
        (record(knowledges="K1"), "knowledges is not a list"),
        (record(duties={"a": 1}), "duties is not a list"),
        (record(knowledges=[{"knowledgeId": "x", "detail": "  "}]), "K1 has no text"),
        (record(skills=[{"skillId": "x"}]), "S1 has no text"),
        # A statement that is nothing but its own code has no text either.
        (record(knowledges=[{"knowledgeId": "x", "detail": "K1: "}]), "K1 has no text"),
        (record(behaviours=[42]), "B1 is not an object"),
        (record(duties=[{"dutyDetail": ""}]), "duty 1 has no text"),
        (record(duties=[{"mappedSkills": []}]), "duty 1 has no text"),
        (record(duties=[{"dutyDetail": 7}]), "duty 1 has no text"),
        (record(duties=[{"dutyDetail": "Duty 1: "}]), "duty 1 has no text"),
        (record(duties=["a duty"]), "duty 1 is not an object"),
        (
            record(duties=[{"dutyDetail": "x", "mappedSkills": 5}]),
            "duty 1: mappedSkills is not a list",
        ),
        (record(title=["a", "list"]), "title is not text"),
        (record(title=True), "title is not text"),
    ],
)
def test_records_that_cannot_be_imported_say_why(data, reason):
    with pytest.raises(RecordError) as exc:
        parse_record(data)
    assert str(exc.value).startswith(reason)


def test_read_records_accepts_one_record_or_a_list(tmp_path):
    single = tmp_path / "one.json"
    single.write_text(json.dumps(ST0825), encoding="utf-8")
    several = tmp_path / "many.json"
    several.write_text(json.dumps([ST0825, ST0116]), encoding="utf-8")
    assert len(read_records(single)) == 1
    assert [r["referenceNumber"] for r in read_records(several)] == ["ST0825", "ST0116"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"referenceNumber": "ST0825",', "invalid JSON (line 1, column 30"),
        (b"", "invalid JSON (line 1, column 1"),
        (b"[]", "holds an empty list"),
        (b"42", "holds a JSON int"),
        (b"\xff\xfe\x00", "is not UTF-8 text"),
    ],
)
def test_files_that_are_not_records_say_why(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(SourceError) as exc:
        read_records(path)
    assert str(exc.value).startswith(reason)


def test_a_missing_file_or_a_directory_says_so(tmp_path):
    with pytest.raises(SourceError) as missing:
        read_records(tmp_path / "nope.json")
    with pytest.raises(SourceError) as directory:
        read_records(tmp_path)
    assert str(missing.value) == "no such file"
    assert str(directory.value) == "is a directory, not a file"


def test_a_file_that_cannot_be_read_says_why(tmp_path):
    not_a_folder = tmp_path / "record.json"
    not_a_folder.write_text("{}", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_records(not_a_folder / "ST0825.json")
    assert str(exc.value) == "cannot be read (Not a directory)"


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ST0825).encode("utf-8"))
    assert read_records(path)[0]["referenceNumber"] == "ST0825"
