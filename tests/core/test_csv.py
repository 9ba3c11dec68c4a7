import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from core.csv import csv_response, csv_safe, csv_stream


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_is_escaped(start):
    assert csv_safe(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


@pytest.mark.parametrize("text", [" =1+1", "  @SUM(1)", "\n-2+3", '"=1+1"', ' "+cmd'])
def test_text_that_starts_like_a_formula_after_spaces_or_quotes_is_escaped(text):
    assert csv_safe(text) == f"'{text}"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Plain text", "Plain text"),
        (" indented", " indented"),
        ('"Quoted"', '"Quoted"'),
        ("'=already text", "'=already text"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (3, 3),
        (-2, -2),
        (Decimal("-1.50"), Decimal("-1.50")),
        (date(2026, 11, 26), "2026-11-26"),
        (datetime(2026, 11, 26, 15, 30), "2026-11-26"),
    ],
)
def test_other_cells_are_written_as_they_are(value, cell):
    assert csv_safe(value) == cell


def test_every_text_cell_of_a_download_is_escaped():
    response = csv_response("x.csv", ["a", "b"], [["=1+1", 5], ["-bad", None]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["a", "b"], ["'=1+1", "5"], ["'-bad", ""]]


def test_a_streamed_download_escapes_the_same_way():
    response = csv_stream("y.csv", ["a"], iter([["@cmd"], ["ok"]]))
    body = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(body))) == [["a"], ["'@cmd"], ["ok"]]
    assert response["Content-Disposition"] == 'attachment; filename="y.csv"'


def test_the_header_goes_through_the_same_escaping():
    for response in (csv_response("x.csv", ["=a", "b"], []), csv_stream("y.csv", ["@a"], [])):
        body = b"".join(response).decode()
        assert next(csv.reader(io.StringIO(body)))[0] in {"'=a", "'@a"}
