from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from core.tables import choice, paginate, pick, sort_headers, sort_value

ITEMS = [SimpleNamespace(pk=1), SimpleNamespace(pk=22)]


@pytest.mark.parametrize(
    ("value", "index"),
    [("1", 0), ("22", 1), (22, 1), ("2", None), ("", None), (None, None), ("9" * 40, None)],
)
def test_pick_finds_only_an_item_of_the_list(value, index):
    assert pick(value, ITEMS) is (None if index is None else ITEMS[index])


def test_choice_falls_back_for_anything_unknown():
    assert choice("b", {"a", "b"}) == "b"
    assert choice("c", {"a", "b"}, "a") == "a"
    assert choice(None, {"a"}) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("coverage", "coverage"), ("-coverage", "-coverage"), ("--coverage", "-x"), ("", "-x")],
)
def test_sort_value_accepts_known_keys_either_way(value, expected):
    assert sort_value(value, {"coverage", "x"}, "-x") == expected


def test_sort_headers_say_which_column_is_sorted_and_what_a_click_does():
    name, age = sort_headers([("name", "Name"), ("age", "Age")], "age")
    assert (name.active, name.aria_sort, name.next_sort) == (False, "", "name")
    assert (age.active, age.aria_sort, age.next_sort) == (True, "ascending", "-age")
    (age,) = sort_headers([("age", "Age")], "-age")
    assert (age.descending, age.aria_sort, age.next_sort) == (True, "descending", "age")


@pytest.mark.parametrize(("page", "number"), [("2", 2), ("99", 3), ("x", 1), ("", 1)])
def test_paginate_keeps_the_page_in_range(page, number):
    request = RequestFactory().get("/", {"page": page})
    assert paginate(request, list(range(60))).number == number


def test_url_for_each_gives_what_reverse_gives():
    from django.urls import reverse

    from core.tables import url_for_each

    url = url_for_each("progress:apprenticeship-home")
    for pk in (1, 42, 987_654_321):
        assert url(pk) == reverse("progress:apprenticeship-home", kwargs={"pk": pk})
    assert url_for_each("tracker:evidence-list")(7) == reverse("tracker:evidence-list", args=[7])
    duty = url_for_each("tracker:duty-detail", kwarg="number", pk=42)
    assert duty(3) == reverse("tracker:duty-detail", kwargs={"pk": 42, "number": 3})
