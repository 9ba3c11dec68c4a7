"""The hours page: planned, accepted and expected off-the-job hours week by week and the
forecast to the planned end; the timesheet (logged by the apprentice, decided like evidence);
time off and changes of the working week, which move an automatic target. Its forms post to
the views below, which show the page again with the errors and what was typed when the input
is wrong."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Apprenticeship
from accounts.permissions import Action, can_on, get_apprenticeship_for, get_record_for
from standards.selectors import standard_structure

from ..forms_hours import (
    TimeOffForm,
    TimesheetDecisionForm,
    TimesheetEntryForm,
    WorkingHoursChangeForm,
)
from ..hours_chart import hours_chart
from ..hours_selectors import hours_page
from ..models import TimeOff, TimesheetDecision, TimesheetEntry
from ..rules import ON_TRACK_PERCENT
from ..services import TrackerError
from ..services.hours import (
    time_off_record,
    time_off_withdraw,
    timesheet_decide,
    timesheet_log,
    timesheet_withdraw,
    working_hours_change,
)

APPRENTICESHIP = Apprenticeship.objects.for_list()


def _page(request, apprenticeship, role, status=200, **forms):
    page = hours_page(apprenticeship)
    standard = apprenticeship.standard
    can = can_on(role, apprenticeship)
    return render(
        request,
        "tracker/hours.html",
        {
            "apprenticeship": apprenticeship,
            "role": role,
            "can": can,
            "hours": page.hours,
            "page": page,
            "on_track_percent": ON_TRACK_PERCENT,
            "chart": hours_chart(page.weeks, page.hours.target),
            "entry_form": forms.get("entry_form") or TimesheetEntryForm(standard=standard),
            # The timesheet form's KSBs, drawn by the page from the standard's kept structure.
            "ksbs": standard_structure(standard).ksbs if can[Action.LOG_HOURS] else (),
            "time_off_form": forms.get("time_off_form") or TimeOffForm(),
            "change_form": forms.get("change_form")
            or WorkingHoursChangeForm(initial={"weekly_hours": apprenticeship.weekly_hours}),
            "decision_errors": forms.get("decision_errors", {}),
        },
        status=status,
    )


def _hours_url(apprenticeship_id, anchor=""):
    return reverse("tracker:hours", kwargs={"pk": apprenticeship_id}) + anchor


@login_required
def hours(request, pk):
    apprenticeship, role = get_apprenticeship_for(request.user, pk, queryset=APPRENTICESHIP)
    return _page(request, apprenticeship, role)


def _saved(request, form, save, message, anchor):
    """Call the service ``save``; on a ValidationError put its messages on ``form`` and
    answer None (the caller shows the page again)."""
    try:
        record = save()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return None
    messages.success(request, message)
    return redirect(_hours_url(record.apprenticeship_id, anchor))


@login_required
@require_POST
def timesheet_add(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=Action.LOG_HOURS, queryset=APPRENTICESHIP
    )
    form = TimesheetEntryForm(request.POST, standard=apprenticeship.standard)
    if form.is_valid():
        data = form.cleaned_data
        done = _saved(
            request,
            form,
            lambda: timesheet_log(
                user=request.user,
                apprenticeship=apprenticeship,
                on=data["on"],
                hours=data["hours"],
                activity=data["activity"],
                ksbs=list(data["ksbs"]),
            ),
            "Hours logged: they count once they are accepted.",
            "#timesheet-heading",
        )
        if done:
            return done
    return _page(request, apprenticeship, role, entry_form=form)


ENTRY = TimesheetEntry.objects.select_related("apprenticeship")


@login_required
@require_POST
def timesheet_decide_view(request, pk):
    entry, role = get_record_for(request.user, ENTRY, pk=pk, action=Action.DECIDE_HOURS)
    form = TimesheetDecisionForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            timesheet_decide(
                user=request.user,
                entry=entry,
                decision=decision,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return redirect(_hours_url(entry.apprenticeship_id, "#timesheet-heading"))
        else:
            accepted = decision == TimesheetDecision.Decision.ACCEPTED
            messages.success(
                request, "Hours accepted." if accepted else "Hours returned with your comment."
            )
            return redirect(_hours_url(entry.apprenticeship_id, "#timesheet-heading"))
    apprenticeship = APPRENTICESHIP.get(pk=entry.apprenticeship_id)
    errors = {entry.pk: [e for errors in form.errors.values() for e in errors]}
    return _page(request, apprenticeship, role, decision_errors=errors)


@login_required
def timesheet_withdraw_view(request, pk):
    """Ask first (GET), then take the waiting line back (POST)."""
    entry, _ = get_record_for(request.user, ENTRY, pk=pk, action=Action.LOG_HOURS)
    back = _hours_url(entry.apprenticeship_id, "#timesheet-heading")
    if entry.status != TimesheetEntry.Status.SUBMITTED:
        messages.info(request, "This line is no longer waiting for a decision.")
        return redirect(back)
    if request.method == "POST":
        try:
            timesheet_withdraw(user=request.user, entry=entry)
        except TrackerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Hours withdrawn.")
        return redirect(back)
    return render(
        request,
        "tracker/hours_confirm.html",
        {
            "title": "Withdraw these hours?",
            "what": str(entry),
            "explain": "They will not be decided on or counted. The line stays in your "
            "timesheet, marked withdrawn.",
            "button": "Withdraw the hours",
            "back": back,
            "apprenticeship": entry.apprenticeship,
        },
    )


@login_required
@require_POST
def time_off_add(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=Action.RECORD_TIME_OFF, queryset=APPRENTICESHIP
    )
    form = TimeOffForm(request.POST)
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: time_off_record(
                user=request.user, apprenticeship=apprenticeship, **form.cleaned_data
            ),
            "Time off recorded.",
            "#time-off-heading",
        )
        if done:
            return done
    return _page(request, apprenticeship, role, time_off_form=form)


TIME_OFF = TimeOff.objects.select_related("apprenticeship")


@login_required
def time_off_withdraw_view(request, pk):
    """Ask first (GET), then withdraw the time off (POST)."""
    time_off, _ = get_record_for(request.user, TIME_OFF, pk=pk, action=Action.RECORD_TIME_OFF)
    back = _hours_url(time_off.apprenticeship_id, "#time-off-heading")
    if time_off.withdrawn_at is not None:
        messages.info(request, "This time off has already been withdrawn.")
        return redirect(back)
    if request.method == "POST":
        try:
            time_off_withdraw(user=request.user, time_off=time_off)
        except TrackerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Time off withdrawn.")
        return redirect(back)
    return render(
        request,
        "tracker/hours_confirm.html",
        {
            "title": "Withdraw this time off?",
            "what": str(time_off),
            "explain": "It stays on the record, marked withdrawn with your name, and no longer "
            "counts. An automatic hours target goes back up.",
            "button": "Withdraw the time off",
            "back": back,
            "apprenticeship": time_off.apprenticeship,
        },
    )


@login_required
@require_POST
def working_hours_change_view(request, pk):
    apprenticeship, role = get_apprenticeship_for(
        request.user, pk, action=Action.RECORD_TIME_OFF, queryset=APPRENTICESHIP
    )
    form = WorkingHoursChangeForm(request.POST)
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: working_hours_change(
                user=request.user, apprenticeship=apprenticeship, **form.cleaned_data
            ),
            "Change of working hours recorded.",
            "#working-hours-heading",
        )
        if done:
            return done
    return _page(request, apprenticeship, role, change_form=form)
