"""Percentages round half up, the same in Python and in SQL."""

import pytest
from django.db.models import IntegerField, Value

from core.numbers import percent, percent_sql
from standards.models import Standard

CASES = [
    (0, 9, 0),
    (1, 8, 13),  # 12.5 -> 13
    (3, 8, 38),  # 37.5 -> 38
    (1, 3, 33),
    (2, 3, 67),
    (3, 9, 33),
    (5, 9, 56),
    (1, 200, 1),  # 0.5 -> 1
    (1, 201, 0),
    (199, 200, 100),  # 99.5 -> 100
    (9, 9, 100),
    (0, 0, 0),
    (5, 0, 0),
]


@pytest.mark.parametrize(("part", "whole", "expected"), CASES)
def test_percent_in_python(part, whole, expected):
    assert percent(part, whole) == expected


@pytest.mark.django_db
def test_percent_in_sql_agrees(st0825):
    row = Standard.objects.filter(pk=st0825.pk)
    for part, whole, expected in CASES:
        value = (
            row.annotate(
                part=Value(part, output_field=IntegerField()),
                whole=Value(whole, output_field=IntegerField()),
            )
            .annotate(share=percent_sql("part", "whole"))
            .values_list("share", flat=True)
            .get()
        )
        assert value == expected == percent(part, whole), (part, whole)
