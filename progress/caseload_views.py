"""The training provider's caseload: the dashboard's table over every employer the provider
works with, for tutors (their own caseload) and provider managers (the provider's)."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.models import Apprenticeship
from accounts.permissions import Action, Role, may
from core.csv import csv_stream
from core.tables import paginate, sort_headers

from . import dashboard as table
from .dashboard import caseload


@login_required
def caseload_view(request):
    """Every apprenticeship on the user's caseload with its progress: a page of 25 sorted and
    filtered in the database on the stored tally, as the dashboard is; 403 for anyone whose
    roles may not see a caseload."""
    role = caseload.caseload_role(request.user)
    today = date.today()
    visible = caseload.caseload_tallies(request.user)
    counts, filters = caseload.caseload_counts(request.user, visible, request.GET, today)
    rows = caseload.caseload_filtered(visible, filters, today)
    page = paginate(request, rows.values_list("pk", flat=True), count=counts["shown"])
    return render(
        request,
        "progress/caseload.html",
        {
            "page_obj": page,
            "rows": table.page_rows(list(page.object_list), today),
            "counts": counts,
            "columns": sort_headers(table.COLUMNS, filters.sort),
            "filters": filters,
            "only_choices": list(table.ONLY_LABELS.items()),
            "statuses": Apprenticeship.Status.choices,
            "employer_column": True,
            # A tutor's caseload is their own: a tutor filter would have one choice.
            "show_tutors": role != Role.TUTOR,
            "role": role,
            # Provider managers and admins give the selected rows a tutor (accounts:bulk-assign).
            "select_rows": "tutor" if may(role, Action.ASSIGN_TUTOR) else "",
        },
    )


@login_required
def caseload_csv(request):
    """The caseload's table, every row the filters keep (not one page), streamed as CSV."""
    caseload.caseload_role(request.user)
    today = date.today()
    visible = caseload.caseload_tallies(request.user)
    filters = caseload.caseload_filters_for_csv(visible, request.GET)
    return csv_stream(
        f"caseload-{today}.csv",
        caseload.CASELOAD_CSV_HEADER,
        (
            caseload.caseload_csv_row(row)
            for row in table.full_rows(caseload.caseload_filtered(visible, filters, today), today)
        ),
    )
