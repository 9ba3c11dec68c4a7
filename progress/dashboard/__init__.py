"""The employer's dashboard: every visible apprenticeship with its progress. query.py sorts,
filters and counts them on the stored tally (and, under the same cache keys, the evidence
queue's length); rows.py draws the rows of a page or of the CSV; caseload.py is the same table
for a training provider's tutors and managers, across employers."""

from .query import (
    COLUMNS,
    DEFAULT_SORT,
    FIGURES,
    ONLY,
    ONLY_LABELS,
    SORTS,
    Filters,
    conditions,
    counts,
    evidence_waiting_for,
    filtered,
    mentors_of,
    ordering,
    read_filters,
    visible_tallies,
    with_progress,
)
from .rows import CSV_HEADER, Row, csv_row, full_rows, page_rows

__all__ = [
    "COLUMNS",
    "CSV_HEADER",
    "DEFAULT_SORT",
    "FIGURES",
    "ONLY",
    "ONLY_LABELS",
    "SORTS",
    "Filters",
    "Row",
    "conditions",
    "counts",
    "csv_row",
    "evidence_waiting_for",
    "filtered",
    "full_rows",
    "mentors_of",
    "ordering",
    "page_rows",
    "read_filters",
    "visible_tallies",
    "with_progress",
]
