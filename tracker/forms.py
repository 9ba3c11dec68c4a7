from datetime import date

from django import forms
from django.core.files.uploadedfile import UploadedFile

from accounts.rules import dated_record_errors, review_date_errors
from core.fields import ModelMultipleIdField
from core.once import submission_key_field
from standards.models import KSB

from .files import check_attachment
from .links import validate_evidence_url
from .models import Evidence, EvidenceFeedback, ProgressReview
from .rules import REVIEW_INTERVAL


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class KSBPickerField(ModelMultipleIdField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.code}: {obj.description}"


class EvidenceForm(forms.ModelForm):
    """The apprentice's evidence. The KSB picker offers the apprenticeship's standard only."""

    url = forms.CharField(
        label="Link",
        required=False,
        max_length=500,
        help_text="A pull or merge request, commit, pipeline or workflow run, issue or document "
        "(http:// or https://).",
    )
    attachment = forms.FileField(
        label="File",
        required=False,
        help_text="Optional. PDF, PNG, JPEG, plain text, Markdown, or a Word or ODF document, "
        "at most 10 MB.",
    )
    remove_attachment = forms.BooleanField(label="Remove the current file", required=False)
    submission_key = submission_key_field()
    ksbs = KSBPickerField(
        queryset=KSB.objects.none(),
        required=False,
        label="KSBs this shows",
        error_messages={
            "invalid_choice": "Choose KSBs of your own standard only.",
            "invalid_pk_value": "Choose KSBs of your own standard only.",
        },
    )

    class Meta:
        model = Evidence
        fields = [
            "title",
            "occurred_on",
            "activity_type",
            "off_the_job_hours",
            "description",
            "url",
            "ksbs",
        ]
        widgets = {
            "occurred_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "off_the_job_hours": forms.NumberInput(attrs={"min": 0, "max": 24, "step": "0.25"}),
        }
        help_texts = {"description": "What you did, and what it shows."}

    def __init__(self, *args, apprenticeship, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.apprenticeship = apprenticeship
        self.submitting = submitting
        self.fields["ksbs"].queryset = KSB.objects.filter(standard_id=apprenticeship.standard_id)
        self.fields["off_the_job_hours"].error_messages.update(
            {
                "min_value": "Hours cannot be negative.",
                "max_value": "A day's entry is at most 24 hours.",
            }
        )
        if not (self.instance.pk and self.instance.attachment):
            del self.fields["remove_attachment"]
        if not self.instance.pk:
            self.initial.setdefault("occurred_on", date.today())
        self.attachment_type = ""

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if url:
            validate_evidence_url(url)
        return url

    def clean_attachment(self):
        uploaded = self.cleaned_data.get("attachment")
        if isinstance(uploaded, UploadedFile):  # a new upload, not the file stored already
            self.attachment_type = check_attachment(uploaded)
            return uploaded
        return None

    def clean(self):
        cleaned_data = super().clean()
        if self.submitting and not cleaned_data.get("ksbs") and "ksbs" not in self.errors:
            self.add_error(
                "ksbs",
                forms.ValidationError(
                    "Choose at least one KSB this evidence shows before submitting.",
                    code="ksbs_required",
                ),
            )
        occurred = cleaned_data.get("occurred_on")
        if occurred:
            for field, error in dated_record_errors(
                "occurred_on", occurred, self.apprenticeship.start_date, date.today(), "Evidence"
            ).items():
                self.add_error(field, error)
        return cleaned_data

    def model_fields(self):
        return {
            name: self.cleaned_data[name]
            for name in (
                "title",
                "occurred_on",
                "activity_type",
                "off_the_job_hours",
                "description",
                "url",
            )
        }


class EvidenceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (EvidenceFeedback.Decision.ACCEPTED, "Accept"),
            (EvidenceFeedback.Decision.CHANGES_REQUESTED, "Ask for changes"),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you ask for changes: say what should change.",
    )

    def clean(self):
        cleaned_data = super().clean()
        if (
            cleaned_data.get("decision") == EvidenceFeedback.Decision.CHANGES_REQUESTED
            and not (cleaned_data.get("comment") or "").strip()
        ):
            self.add_error(
                "comment", forms.ValidationError("Say what should change.", code="required")
            )
        return cleaned_data


class SignOffForm(forms.Form):
    note = forms.CharField(
        label="Note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you have seen that shows the apprentice performs this duty.",
        error_messages={"required": "Add a note: what did you see that shows this duty?"},
    )


class UndoSignOffForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the duty's history.",
        error_messages={"required": "Say why the sign-off is being undone."},
    )


class ProgressReviewForm(forms.ModelForm):
    submission_key = submission_key_field()

    class Meta:
        model = ProgressReview
        fields = ["held_on", "next_due_on", "progress", "actions"]
        widgets = {
            "held_on": DateInput(),
            "next_due_on": DateInput(),
            "progress": forms.Textarea(attrs={"rows": 5}),
            "actions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, apprenticeship, **kwargs):
        super().__init__(*args, **kwargs)
        self.apprenticeship = apprenticeship
        self.fields["next_due_on"].required = False
        self.fields["next_due_on"].help_text = "Leave empty for 12 weeks after the date held."
        if not self.instance.pk:
            today = date.today()
            self.initial.setdefault("held_on", today)
            self.initial.setdefault("next_due_on", today + REVIEW_INTERVAL)

    def clean(self):
        cleaned_data = super().clean()
        held, due = cleaned_data.get("held_on"), cleaned_data.get("next_due_on")
        if not held:
            return cleaned_data
        if held > date.today():
            self.add_error("held_on", "Record a review once it has been held.")
            return cleaned_data
        errors = review_date_errors(held, due, self.apprenticeship.start_date, date.today())
        for field, error in errors.items():
            self.add_error(field, error)
        if not due and not errors:
            cleaned_data["next_due_on"] = held + REVIEW_INTERVAL
            self.instance.next_due_on = cleaned_data["next_due_on"]
        return cleaned_data

    def model_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ApprenticeSignForm(forms.Form):
    comments = forms.CharField(
        label="Your comments",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How the review went for you, and anything you want on record.",
    )
