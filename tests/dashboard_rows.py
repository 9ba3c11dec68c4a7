"""The dashboard's figures of apprenticeships, worked out both ways: in SQL on the stored tally,
as the dashboard filters, sorts and counts, and by the Python rules, as it shows a page's rows.
The tests of the rule book compare each with its own hand-worked answer through these."""

from datetime import date

from progress import dashboard
from progress.models import Tally


def dashboard_rows(apprenticeships, today=None):
    """{pk: the dashboard's row} of ``apprenticeships`` on ``today``; fails unless the SQL and
    the Python forms agree on every figure that depends on the day."""
    today = today or date.today()
    pks = [a.pk for a in apprenticeships]
    sql = {t.pk: t for t in dashboard.with_progress(Tally.objects.filter(pk__in=pks), today)}
    rows = {}
    for row in dashboard.page_rows(pks, today):
        figures = sql[row.pk]
        assert figures.behind is row.behind, "behind on hours"
        assert figures.review_overdue is row.review_overdue, "review overdue"
        assert figures.review_days == row.review_days, "days to the next review"
        assert figures.needs_attention is bool(row.attention), "needs attention"
        assert figures.ready_for_gateway is row.ready_for_gateway, "ready for gateway"
        row.needs_attention = figures.needs_attention
        row.on_track = not row.behind
        rows[row.pk] = row
    return rows


def dashboard_row(apprenticeship, today=None):
    """The dashboard's row of one apprenticeship (see dashboard_rows)."""
    return dashboard_rows([apprenticeship], today)[apprenticeship.pk]
