"""Forms of the hours page: a timesheet line, its decision, time off and a change of the
working week. The rules (dates within the programme, overlaps, ranges) are the services'; the
forms read and type what was sent."""

from django import forms

from standards.models import KSB

from .hours_models import TimeOff, TimesheetDecision
from .services.hours import MAX_HOURS_A_DAY


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", attrs={"class": "form-control"}, **kwargs)


def _text(**kwargs):
    return forms.TextInput(attrs={"class": "form-control", **kwargs})


def _number(step):
    return forms.NumberInput(attrs={"class": "form-control", "step": step})


class TimesheetEntryForm(forms.Form):
    on = forms.DateField(label="Date", widget=DateInput())
    hours = forms.DecimalField(
        label="Off-the-job hours",
        min_value=0.01,
        max_value=MAX_HOURS_A_DAY,
        max_digits=5,
        decimal_places=2,
        widget=_number("0.25"),
        help_text="More than 0 and at most 24, in hours (1.5 is an hour and a half).",
    )
    activity = forms.CharField(
        label="What you did", max_length=200, widget=_text(), help_text="A course, a workshop…"
    )
    ksbs = forms.ModelMultipleChoiceField(
        label="KSBs it worked on (optional)",
        queryset=KSB.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
        error_messages={"invalid_choice": "Choose KSBs of your own standard only."},
    )

    def __init__(self, *args, standard, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ksbs"].queryset = standard.ksbs.all()
        self.fields["ksbs"].label_from_instance = lambda ksb: f"{ksb.code}: {ksb.description}"


class TimesheetDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (TimesheetDecision.Decision.ACCEPTED, "Accept"),
            (TimesheetDecision.Decision.RETURNED, "Return"),
        ],
        error_messages={"required": "Choose to accept the hours or to return them."},
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=2000,
        widget=_text(),
        help_text="Required when you return the hours: say why.",
    )


class TimeOffForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=TimeOff.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    starts_on = forms.DateField(label="First day", widget=DateInput())
    ends_on = forms.DateField(label="Last day", widget=DateInput())
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000, widget=_text())


class WorkingHoursChangeForm(forms.Form):
    from_date = forms.DateField(label="From", widget=DateInput())
    weekly_hours = forms.DecimalField(
        label="Working hours a week",
        min_value=1,
        max_value=60,
        max_digits=4,
        decimal_places=1,
        widget=_number("0.5"),
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000, widget=_text())
