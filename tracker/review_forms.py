"""The forms of the progress review: scheduling, the write-up, actions, signing and a
safeguarding concern."""

from datetime import date

from django import forms
from django.utils import timezone

from accounts.rules import EARLIEST_DATE, LATEST_DATE, review_date_errors
from core.once import submission_key_field
from standards.models import KSB

from .forms import DateInput, KSBPickerField
from .review_models import ProgressReview, ReviewAction
from .rules import review_interval
from .services.reviews import STATEMENT

YES_NO_CHOICES = [("", "Not discussed"), ("true", "Yes"), ("false", "No")]
CONFIRM_VOID = "I understand that this change voids the signatures given so far."


def _yes_no(label):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO_CHOICES,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ConfirmVoidMixin:
    """A "confirm" box, shown once the review has a signature that the change would void."""

    def add_confirm_void(self, review):
        if review is not None and review.content_locked:
            self.fields["confirm_void"] = forms.BooleanField(label=CONFIRM_VOID, required=False)

    @property
    def confirm_void(self):
        return bool(self.cleaned_data.get("confirm_void"))


class ReviewScheduleForm(forms.ModelForm):
    """When and where the review takes place: a place, an online link or both."""

    submission_key = submission_key_field()
    online_link = forms.URLField(
        label="Online meeting link",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="An https:// link to the video call, if it is online.",
    )

    class Meta:
        model = ProgressReview
        fields = ["scheduled_for", "duration_minutes", "location", "online_link", "attendees"]
        widgets = {
            "scheduled_for": DateTimeInput(),
            "attendees": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "attendees": "Who will be there, by name and role.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].required = True
        self.fields["scheduled_for"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["duration_minutes"].min_value = 15
        self.fields["duration_minutes"].widget.attrs.update(min=15, max=480)

    def clean_scheduled_for(self):
        value = self.cleaned_data["scheduled_for"]
        day = timezone.localtime(value).date()
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise forms.ValidationError("Choose a date between 2000 and 2100.", code="range")
        return value

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if not 15 <= value <= 480:
            raise forms.ValidationError("A review lasts 15 to 480 minutes.", code="range")
        return value

    def clean_online_link(self):
        value = self.cleaned_data["online_link"]
        if value and not value.lower().startswith("https://"):
            raise forms.ValidationError("Give an https:// link.", code="https_only")
        return value

    def clean(self):
        cleaned_data = super().clean()
        missing = not cleaned_data.get("location") and not cleaned_data.get("online_link")
        if missing and "online_link" not in self.errors:
            self.add_error(None, "Give the place, the online link or both.")
        return cleaned_data

    def schedule_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReviewRescheduleForm(ReviewScheduleForm):
    reason = forms.CharField(
        label="Why it moves", max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["submission_key"]


class ProgressReviewForm(ConfirmVoidMixin, forms.ModelForm):
    """The write-up of the meeting."""

    submission_key = submission_key_field()
    ksb_targets = KSBPickerField(
        queryset=KSB.objects.none(), required=False, label="KSB targets for the next period"
    )
    wellbeing_ok = _yes_no("Wellbeing: is the apprentice well?")
    safeguarding_ok = _yes_no("Safeguarding: does the apprentice feel safe?")
    prevent_ok = _yes_no("Prevent: discussed, with no concern?")

    class Meta:
        model = ProgressReview
        fields = [
            "held_on",
            "next_due_on",
            "progress",
            "otj_summary",
            "actions",
            "wellbeing_ok",
            "wellbeing_note",
            "safeguarding_ok",
            "safeguarding_note",
            "prevent_ok",
            "prevent_note",
            "support_needs",
            "needs_english_maths",
            "english_maths",
        ]
        widgets = {
            "held_on": DateInput(),
            "next_due_on": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "progress",
                    "otj_summary",
                    "actions",
                    "wellbeing_note",
                    "safeguarding_note",
                    "prevent_note",
                    "support_needs",
                    "english_maths",
                )
            },
        }

    def __init__(self, *args, apprenticeship, **kwargs):
        super().__init__(*args, **kwargs)
        self.apprenticeship = apprenticeship
        self.fields["held_on"].required = True
        self.fields["progress"].required = True
        self.fields["next_due_on"].required = False
        self.fields["ksb_targets"].queryset = KSB.objects.filter(
            standard_id=apprenticeship.standard_id
        )
        weeks = apprenticeship.organisation.review_interval_weeks
        self.interval = review_interval(weeks)
        self.fields["next_due_on"].help_text = f"Leave empty for {weeks} weeks after the date held."
        self.fields["english_maths"].help_text = "Only where the apprenticeship needs them."
        if self.instance.pk:
            self.initial.setdefault("ksb_targets", list(self.instance.ksb_targets.all()))
        if self.instance.held_on is None:
            today = date.today()
            planned = self.instance.scheduled_for
            held = timezone.localtime(planned).date() if planned else today
            held = min(held, today)
            self.initial.setdefault("held_on", held)
            self.initial.setdefault("next_due_on", held + self.interval)
        if self.instance.pk:
            self.add_confirm_void(self.instance)

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
            cleaned_data["next_due_on"] = held + self.interval
            self.instance.next_due_on = cleaned_data["next_due_on"]
        return cleaned_data

    def _post_clean(self):
        # The service applies the fields (and records what changed), not the form.
        pass

    def model_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReviewActionForm(ConfirmVoidMixin, forms.ModelForm):
    class Meta:
        model = ReviewAction
        fields = ["text", "owner", "due_on"]
        widgets = {"due_on": DateInput()}
        labels = {"owner": "Whose action"}

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(p.value, p.label) for p in review.parties]
        self.add_confirm_void(review)

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError("Choose a date between 2000 and 2100.", code="range")
        return value


class ActionStateForm(ConfirmVoidMixin, forms.Form):
    state = forms.ChoiceField(choices=ReviewAction.State.choices)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_confirm_void(review)


class ReviewSignForm(forms.Form):
    agree = forms.BooleanField(label=STATEMENT, error_messages={"required": "Tick to sign."})
    comment = forms.CharField(
        label="Your comments (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewConcernForm(forms.Form):
    note = forms.CharField(
        label="The concern",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Seen only by the training provider's safeguarding roles; never in the PDF.",
    )
