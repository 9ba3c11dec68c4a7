"""The KSB admin's search understands a KSB's code: "K3" is K3, not K30-K39, in any case."""

import pytest
from django.urls import reverse

from tests.factories import make_standard

pytestmark = pytest.mark.django_db

URL = reverse("admin:standards_ksb_changelist")


def found(admin_client, term):
    response = admin_client.get(URL, {"q": term})
    assert response.status_code == 200
    return sorted((ksb.standard.reference, ksb.code) for ksb in response.context["cl"].result_list)


@pytest.mark.parametrize("term", ["K2", "k2", " K2 "])
def test_a_code_finds_exactly_that_ksb_not_the_ones_it_begins(admin_client, st0825, term):
    assert found(admin_client, term) == [("ST0825", "K2")]  # not K20-K25


@pytest.mark.parametrize("term, code", [("S12", "S12"), ("s12", "S12"), ("B1", "B1")])
def test_skills_and_behaviours_by_code(admin_client, st0825, term, code):
    assert found(admin_client, term) == [("ST0825", code)]


def test_several_codes_find_each_and_a_reference_narrows_to_its_standard(admin_client, st0825):
    make_standard(reference="ST0116", knowledge=4, skills=2, behaviours=1)
    assert found(admin_client, "K3") == [("ST0116", "K3"), ("ST0825", "K3")]
    assert found(admin_client, "ST0825 K3") == [("ST0825", "K3")]
    assert found(admin_client, "k3 S1") == [
        ("ST0116", "K3"),
        ("ST0116", "S1"),
        ("ST0825", "K3"),
        ("ST0825", "S1"),
    ]


def test_words_still_search_the_descriptions(admin_client, st0825):
    k3 = st0825.ksbs.get(kind="K", number=3)
    word = max(k3.description.split(), key=len).strip(".,;:()")
    assert ("ST0825", "K3") in found(admin_client, word)
    assert len(found(admin_client, "infrastructure-as-code")) >= 2
    assert found(admin_client, f"K3 {word}") == [("ST0825", "K3")]
    assert found(admin_client, "K4 no-such-word-anywhere") == []


@pytest.mark.parametrize("term", ["K0", "K99", "KK3", "K3x", "K123456", "X3", '"K3'])
def test_what_is_no_code_finds_nothing_and_breaks_nothing(admin_client, st0825, term):
    assert found(admin_client, term) == []
