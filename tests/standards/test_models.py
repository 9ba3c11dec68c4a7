import pytest
from django.core.exceptions import ValidationError
from django.core.serializers import deserialize, serialize
from django.db import IntegrityError, transaction

from standards.models import KSB, Duty, Standard
from tests.factories import DutyFactory, KSBFactory, StandardFactory, make_standard

pytestmark = pytest.mark.django_db


def test_standard_str_names_reference_title_and_version():
    standard = StandardFactory(reference="ST0825", title="DevOps engineer", version="1.0")
    assert str(standard) == "ST0825 DevOps engineer (v1.0)"
    assert standard.get_absolute_url() == "/standards/ST0825/1.0/"


def test_reference_and_version_are_unique_together():
    StandardFactory(reference="ST0825", version="1.0")
    StandardFactory(reference="ST0825", version="1.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        StandardFactory(reference="ST0825", version="1.0")


def test_ksb_code_and_str():
    ksb = KSBFactory(kind="S", number=18, description="Specify cloud infrastructure.")
    assert ksb.code == "S18"
    assert str(ksb) == "S18: Specify cloud infrastructure."
    assert ksb.get_absolute_url().endswith("#S18")


def test_ksbs_order_k_then_s_then_b_each_by_number_as_integer():
    standard = StandardFactory()
    for kind, number in [("B", 1), ("S", 10), ("K", 10), ("S", 2), ("K", 2), ("K", 1), ("B", 4)]:
        KSBFactory(standard=standard, kind=kind, number=number)
    codes = [ksb.code for ksb in KSB.objects.filter(standard=standard)]
    assert codes == ["K1", "K2", "K10", "S2", "S10", "B1", "B4"]


def test_ksb_code_is_unique_within_a_standard_but_not_across_standards():
    first, second = StandardFactory(), StandardFactory()
    KSBFactory(standard=first, kind="K", number=1)
    KSBFactory(standard=second, kind="K", number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        KSBFactory(standard=first, kind="K", number=1)


@pytest.mark.parametrize("fields", [{"kind": "X"}, {"number": 0}])
def test_database_refuses_invalid_kind_or_number(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        KSBFactory(**fields)


@pytest.mark.parametrize(("fields", "field"), [({"kind": "X"}, "kind"), ({"number": 0}, "number")])
def test_model_validation_refuses_invalid_kind_or_number(fields, field):
    ksb = KSB(standard=StandardFactory(), description="x", **{"kind": "K", "number": 1, **fields})
    with pytest.raises(ValidationError) as exc:
        ksb.full_clean()
    assert field in exc.value.message_dict or "__all__" in exc.value.message_dict


def test_duty_number_is_unique_within_a_standard():
    standard = StandardFactory()
    DutyFactory(standard=standard, number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyFactory(standard=standard, number=1)


def test_duty_str_and_url():
    duty = DutyFactory(number=3, description="Engage in pair programming.")
    assert str(duty) == "Duty 3: Engage in pair programming."
    assert duty.get_absolute_url().endswith("#duty-3")


def test_duty_accepts_ksbs_of_its_own_standard():
    standard = make_standard()
    duty = standard.duties.first()
    duty.validate_ksbs(standard.ksbs.all())
    duty.full_clean()


def test_duty_refuses_ksbs_of_another_standard():
    duty = DutyFactory()
    other = KSBFactory(kind="K", number=7)
    with pytest.raises(ValidationError) as exc:
        duty.validate_ksbs([other])
    assert exc.value.error_dict["ksbs"][0].code == "ksb_other_standard"
    assert "K7" in exc.value.message_dict["ksbs"][0]


def test_moving_a_duty_to_another_standard_fails_validation_while_it_links_old_ksbs():
    standard = make_standard()
    duty = standard.duties.first()
    duty.standard = StandardFactory()
    with pytest.raises(ValidationError) as exc:
        duty.full_clean()
    assert "ksbs" in exc.value.message_dict


def test_with_counts_counts_ksbs_and_duties_without_multiplying():
    make_standard(reference="ST0001", knowledge=4, skills=3, behaviours=2, duties=5)
    StandardFactory(reference="ST0002")
    counts = {s.reference: (s.ksb_count, s.duty_count) for s in Standard.objects.with_counts()}
    assert counts == {"ST0001": (9, 5), "ST0002": (0, 0)}


def test_natural_keys_round_trip_without_primary_keys():
    standard = make_standard(reference="ST0042", version="2.0", knowledge=2, skills=1, behaviours=1)
    ksb = standard.ksbs.get(kind="S", number=1)
    duty = standard.duties.get(number=1)
    assert ksb.natural_key() == ("ST0042", "2.0", "S", 1)
    assert duty.natural_key() == ("ST0042", "2.0", 1)
    assert KSB.objects.get_by_natural_key("ST0042", "2.0", "S", 1) == ksb
    assert Duty.objects.get_by_natural_key("ST0042", "2.0", 1) == duty
    assert Standard.objects.get_by_natural_key("ST0042", "2.0") == standard

    objects = [standard, *standard.ksbs.all(), *standard.duties.all()]
    data = serialize("json", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True)
    assert '"pk"' not in data
    restored = [obj.object for obj in deserialize("json", data)]
    assert [obj.pk for obj in restored] == [obj.pk for obj in objects]
