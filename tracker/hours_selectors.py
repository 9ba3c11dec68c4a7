"""Reads of the hours page: the weeks of planned, accepted and expected hours, the forecast,
the timesheet and the records that move the target. The meaning of every figure is in
tracker/rules (hours, forecast); these only gather, in a constant number of queries."""

from dataclasses import dataclass
from datetime import date

from standards.models import KIND_RANK

from .models import Evidence, PlanActivity, TimeOff, TimesheetEntry, TrainingPlan
from .rules import hours_summary, hundredths
from .rules.forecast import forecast, planned_by_week, week_start, weeks_of


def current_plan_activities(apprenticeship):
    """[(first day, last day, planned hours)] of the activities of the apprenticeship's latest
    training plan that are not removed: one query."""
    latest = TrainingPlan.objects.filter(apprenticeship_id=apprenticeship.pk).order_by(
        "-created_at", "-pk"
    )[:1]
    return list(
        PlanActivity.objects.filter(plan__in=latest, removed_at__isnull=True).values_list(
            "starts_on", "ends_on", "planned_hours"
        )
    )


def accepted_by_week(apprenticeship):
    """{Monday: accepted hundredths} of the apprenticeship's evidence and timesheet lines, each
    in the week of its date: two queries."""
    weeks = {}
    rows = [
        *Evidence.objects.filter(
            apprenticeship_id=apprenticeship.pk, status=Evidence.Status.ACCEPTED
        ).values_list("occurred_on", "off_the_job_hours"),
        *TimesheetEntry.objects.filter(
            apprenticeship_id=apprenticeship.pk, status=TimesheetEntry.Status.ACCEPTED
        ).values_list("on", "hours"),
    ]
    for day, hours in rows:
        weeks[week_start(day)] = weeks.get(week_start(day), 0) + hundredths(hours)
    return weeks


@dataclass
class HoursPage:
    hours: object  # tracker.rules.Hours
    weeks: list  # [forecast.Week]
    forecast: object  # forecast.Forecast
    planned_total: int  # hundredths planned by the current plan
    entries: list
    time_off: list
    changes: list

    @property
    def waiting_entries(self):
        return sum(1 for entry in self.entries if entry.status == TimesheetEntry.Status.SUBMITTED)


def hours_page(apprenticeship, today=None):
    """Everything the hours page shows: eight queries, whatever the number of weeks, lines or
    records."""
    today = today or date.today()
    hours = hours_summary(apprenticeship, today)
    planned = planned_by_week(current_plan_activities(apprenticeship))
    start, end = apprenticeship.start_date, apprenticeship.planned_end_date
    weeks = weeks_of(start, end, hours.target, planned, accepted_by_week(apprenticeship), today)
    entries = list(
        apprenticeship.timesheet_entries.select_related("by").prefetch_related(
            "ksbs", "decisions__by"
        )
    )
    for entry in entries:  # K, S, B, each in number order
        entry.ksb_list = sorted(entry.ksbs.all(), key=lambda k: (KIND_RANK[k.kind], k.number))
    return HoursPage(
        hours=hours,
        weeks=weeks,
        forecast=forecast(hours.accepted_hundredths, hours.target, start, end, today),
        planned_total=sum(planned.values()),
        entries=entries,
        time_off=list(
            TimeOff.objects.filter(apprenticeship_id=apprenticeship.pk).select_related(
                "by", "withdrawn_by"
            )
        ),
        changes=list(apprenticeship.working_hours_changes.select_related("by")),
    )
