import os
from datetime import date

from django import forms
from django.core.files.uploadedfile import UploadedFile

from accounts.rules import dated_record_errors
from core.fields import ModelMultipleIdField
from core.once import submission_key_field
from standards.models import KSB

from .files import check_attachment
from .links import validate_evidence_url
from .models import Evidence


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class KSBPickerField(ModelMultipleIdField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.code}: {obj.description}"


LINK_INVALID = (
    "Enter a web address starting with http:// or https://, or one such as "
    "github.com/org/repo/pull/1 (https:// is then added)."
)
FILE_NOT_KEPT = (
    "Choose the file again: files are not kept when the form has a problem. "
    "You had chosen “%(name)s”."
)


class EvidenceForm(forms.ModelForm):
    """The apprentice's evidence. The KSB picker offers the apprenticeship's standard only."""

    url = forms.URLField(
        label="Link",
        required=False,
        max_length=500,
        # "github.com/org/repo/pull/1" is stored as "https://github.com/org/repo/pull/1"; a
        # link with another scheme (javascript:, data:, ftp:) keeps it and is refused.
        assume_scheme="https",
        error_messages={"invalid": LINK_INVALID},
        help_text="A pull or merge request, commit, pipeline or workflow run, issue or document. "
        "If you leave out https://, it is added.",
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

    def full_clean(self):
        super().full_clean()
        if self.errors:
            self.say_file_not_kept()

    def say_file_not_kept(self):
        """A chosen file is not stored while the form has a problem (the browser cannot be
        given it back): say so beside the file field, naming it, unless its own error does."""
        uploaded = self.files.get(self.add_prefix("attachment")) if self.files else None
        if uploaded is None or "attachment" in self.errors:
            return
        self.add_error(
            "attachment",
            forms.ValidationError(
                FILE_NOT_KEPT,
                code="choose_again",
                params={"name": os.path.basename(uploaded.name or "") or "a file"},
            ),
        )

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


def unevidenced_token(duty, ksbs):
    """What a signer confirms signing off without: the duty and the codes of its KSBs that
    have no accepted evidence ("3:K1,K4,S2"), so a confirmation is of this duty and this list."""
    return f"{duty.number}:" + ",".join(ksb.code for ksb in ksbs)


class SignOffForm(forms.Form):
    """Signing a duty off. When some of its KSBs have no accepted evidence (``unevidenced``, as
    the duty's page lists them), the signer confirms that in so many words and says why."""

    note = forms.CharField(
        label="Note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you have seen that shows the apprentice performs this duty.",
        error_messages={"required": "Add a note: what did you see that shows this duty?"},
    )

    def __init__(self, *args, duty, unevidenced, **kwargs):
        super().__init__(*args, **kwargs)
        self.duty = duty
        self.unevidenced = list(unevidenced)
        if not self.unevidenced:
            return
        count = len(self.unevidenced)
        ksbs = f"{count} KSB{'s' if count != 1 else ''}"
        self.fields["reason"] = forms.CharField(
            label=f"Why sign it off without evidence for {'these' if count != 1 else 'this'} "
            f"{ksbs}?",
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="Kept with the sign-off, with the list of KSBs as it is today.",
            error_messages={"required": f"Say why you are signing off with {ksbs} unevidenced."},
        )
        self.fields["confirm"] = forms.BooleanField(
            label=f"I confirm I am signing off duty {duty.number} although {ksbs} "
            f"{'have' if count != 1 else 'has'} no accepted evidence",
            error_messages={
                "required": f"Tick the box to confirm you are signing off with {ksbs} unevidenced."
            },
        )
        self.fields["unevidenced"] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.initial["unevidenced"] = unevidenced_token(duty, self.unevidenced)

    def clean(self):
        cleaned_data = super().clean()
        if self.unevidenced and cleaned_data.get("unevidenced") != unevidenced_token(
            self.duty, self.unevidenced
        ):
            # The page was opened for another duty, or evidence has changed since: the signer
            # has not confirmed this list.
            self.data = self.data.copy()
            self.data.pop("confirm", None)
            self.data["unevidenced"] = unevidenced_token(self.duty, self.unevidenced)
            raise forms.ValidationError(
                "The KSBs without accepted evidence are not the ones you confirmed: check the "
                "list below and confirm again.",
                code="unevidenced_changed",
            )
        return cleaned_data

    def service_arguments(self):
        return {
            "note": self.cleaned_data["note"],
            "unevidenced": [ksb.pk for ksb in self.unevidenced],
            "reason": self.cleaned_data.get("reason", ""),
        }


class UndoSignOffForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the duty's history.",
        error_messages={"required": "Say why the sign-off is being undone."},
    )

    def __init__(self, *args, duty, unevidenced, **kwargs):
        super().__init__(*args, **kwargs)

    def service_arguments(self):
        return {"reason": self.cleaned_data["reason"]}
