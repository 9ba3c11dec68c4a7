"""Off-the-job hours against the target, week by week."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.models import Apprenticeship
from accounts.permissions import get_apprenticeship_for
from core.charts import column_chart

from ..rules import ON_TRACK_PERCENT, hours_summary
from ..selectors import weekly_hours


@login_required
def hours(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, queryset=Apprenticeship.objects.for_list()
    )
    weeks = weekly_hours(apprenticeship)
    return render(
        request,
        "tracker/hours.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "hours": hours_summary(apprenticeship),
            "on_track_percent": ON_TRACK_PERCENT,
            "weeks": weeks,
            "chart": column_chart(weeks),
        },
    )
