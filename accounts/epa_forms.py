"""The forms of the end-point assessment hand-off: inviting an assessor, recording a step of
the assessment."""

from datetime import date

from django import forms

from core.validators import no_bidi_controls

from .epa import default_expiry, expiry_errors
from .forms import DateInput
from .models import EpaEvent


class AssessorInviteForm(forms.Form):
    email = forms.EmailField(label="Assessor's e-mail address", max_length=254)
    assessment_organisation = forms.CharField(
        label="End-point assessment organisation", max_length=200, validators=[no_bidi_controls]
    )
    expires_on = forms.DateField(
        label="Access until",
        widget=DateInput(),
        help_text="The last day the assessor can see the portfolio (at most a year from today).",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"expires_on": default_expiry()})
        super().__init__(*args, **kwargs)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_assessment_organisation(self):
        return " ".join(self.cleaned_data["assessment_organisation"].split())

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if errors := expiry_errors(expires_on):
            raise forms.ValidationError(errors, code="expires_on")
        return expires_on


class EpaEventForm(forms.Form):
    kind = forms.ChoiceField(label="What happened", choices=EpaEvent.Kind.choices)
    on = forms.DateField(label="Date", widget=DateInput())
    outcome = forms.ChoiceField(
        label="Outcome (for an outcome only)",
        choices=[("", "—"), *EpaEvent.Outcome.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"on": date.today()})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("kind") == EpaEvent.Kind.OUTCOME and not data.get("outcome"):
            self.add_error("outcome", "Choose the outcome.")
        elif data.get("kind") != EpaEvent.Kind.OUTCOME and data.get("outcome"):
            self.add_error("outcome", "An outcome goes with “Outcome recorded” only.")
        return data
