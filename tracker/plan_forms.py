"""The forms of the training plan: an activity, a signature, the confirmation of a new
proposal."""

from datetime import date, timedelta

from django import forms

from accounts.rules import long_date
from standards.models import KSB

from .forms import DateInput, KSBPickerField
from .plan_models import PlanActivity

FIELDS = ["title", "kind", "starts_on", "ends_on", "planned_hours"]


class PlanActivityForm(forms.ModelForm):
    """An activity of the plan: dates within the programme, KSBs of the apprenticeship's
    standard only."""

    ksbs = KSBPickerField(
        queryset=KSB.objects.none(),
        required=False,
        label="KSBs it targets",
        error_messages={
            "invalid_choice": "Choose KSBs of the apprenticeship's standard only.",
            "invalid_pk_value": "Choose KSBs of the apprenticeship's standard only.",
        },
    )

    class Meta:
        model = PlanActivity
        fields = FIELDS
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "planned_hours": forms.NumberInput(attrs={"min": 0, "max": 2000, "step": "0.5"}),
        }
        help_texts = {"planned_hours": "Off-the-job hours this activity takes: 0 to 2,000."}

    def __init__(self, *args, apprenticeship, **kwargs):
        super().__init__(*args, **kwargs)
        self.apprenticeship = apprenticeship
        self.fields["ksbs"].queryset = KSB.objects.filter(standard_id=apprenticeship.standard_id)
        if self.instance.pk:
            self.initial.setdefault("ksbs", [k.pk for k in self.instance.ksbs.all()])
        start, end = apprenticeship.start_date, apprenticeship.planned_end_date
        if not self.instance.pk:
            first = min(max(date.today(), start), end)
            self.initial.setdefault("starts_on", first)
            self.initial.setdefault("ends_on", min(first + timedelta(days=27), end))
        for name in ("starts_on", "ends_on"):
            self.fields[name].widget.attrs.update(min=start.isoformat(), max=end.isoformat())
        self.fields[
            "starts_on"
        ].help_text = f"Within the programme: {long_date(start)} to {long_date(end)}."
        self.fields["planned_hours"].error_messages.update(
            {"max_digits": "Plan at most 2,000 hours for one activity."}
        )

    def clean_planned_hours(self):
        hours = self.cleaned_data["planned_hours"]
        if hours is not None and not 0 <= hours <= 2000:
            raise forms.ValidationError("Plan 0 to 2,000 hours.", code="hours_range")
        return hours

    def clean(self):
        cleaned = super().clean()
        start, end = self.apprenticeship.start_date, self.apprenticeship.planned_end_date
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and not start <= starts_on <= end:
            within = f"{long_date(start)} to {long_date(end)}"
            self.add_error("starts_on", f"Plan it within the programme: {within}.")
        if ends_on and ends_on > end:
            self.add_error("ends_on", f"Plan it to end by the planned end, {long_date(end)}.")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The activity ends on or after the day it starts.")
        return cleaned

    def model_fields(self):
        return {name: self.cleaned_data[name] for name in FIELDS}


class PlanSignForm(forms.Form):
    agree = forms.BooleanField(error_messages={"required": "Tick to sign."})

    def __init__(self, *args, statement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agree"].label = statement


class PlanProposeForm(forms.Form):
    confirm = forms.BooleanField(
        required=False,
        label="Replace the current plan (it is kept, with its signatures, in the history)",
    )
