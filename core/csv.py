"""CSV downloads. Every cell, the header's too, goes through csv_safe, so that a spreadsheet
never runs text as a formula, whoever typed it; numbers, dates and booleans are written as they
are. This is the project's only CSV writer (tests/test_csv_downloads.py checks that)."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

# Text starting with one of these is read as a formula by Excel, LibreOffice or Sheets, also
# after spaces, line breaks or double quotes, which some of them skip when they open a file.
FORMULA_START = re.compile(r'[\s"]*[=+\-@\t\r]')


def csv_safe(value):
    """``value`` as a CSV cell: text that starts like a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return f"'{text}" if FORMULA_START.match(text) else text


def _cells(row):
    return [csv_safe(cell) for cell in row]


class _Echo:
    """A file-like object whose write() hands the line back, for streaming."""

    def write(self, value):
        return value


def _disposition(filename):
    return f'attachment; filename="{filename}"'


def csv_response(filename, header, rows):
    """A CSV download of ``rows`` (iterables of cells) under ``header``, built in memory."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    writer = csv.writer(response)
    writer.writerow(_cells(header))
    writer.writerows(_cells(row) for row in rows)
    return response


# What reading a malformed CSV raises.
CsvError = csv.Error


def csv_reader(text):
    """A reader of the CSV ``text`` (an upload, decoded): lists of cells, ``line_num`` the
    line it read last. Reading is here too, so that no other module imports csv."""
    return csv.reader(io.StringIO(text, newline=""))


def csv_bytes(header, rows):
    """The CSV file of ``rows`` under ``header`` as UTF-8 bytes (with a byte-order mark, so
    spreadsheets read it as UTF-8), for a file kept in the storage rather than sent at once."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(_cells(header))
    writer.writerows(_cells(row) for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def csv_stream(filename, header, rows):
    """A CSV download streamed row by row: for exports of every row, however many."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(_cells(header))
        for row in rows:
            yield writer.writerow(_cells(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response
