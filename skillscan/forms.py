import re

from django import forms

from .models import DISAGREEMENT_GAP, SCORE_DESCRIPTORS, Score

COMMENT_MAX = 2000
_KSB_FIELD = re.compile(r"^(?:employer_)?(?:score|comment)_(\d+)$")
SCORE_CHOICES = [(s.value, f"{s.value} {s.label}: {SCORE_DESCRIPTORS[s.value]}") for s in Score]


class KSBFieldsForm(forms.Form):
    """A form with a group of fields per KSB, named ``<name>_<ksb pk>``. A posted field for a
    KSB that is not in the form (a tampered id) makes the whole form invalid."""

    unknown_ksb_message = "The form held a KSB that is not part of this page; nothing was saved."

    def __init__(self, *args, ksbs, **kwargs):
        super().__init__(*args, **kwargs)
        self.ksbs = list(ksbs)
        for ksb in self.ksbs:
            self.add_ksb_fields(ksb)

    def add_ksb_fields(self, ksb):
        raise NotImplementedError

    def field_for(self, name, ksb):
        return self[f"{name}_{ksb.pk}"]

    def clean(self):
        cleaned_data = super().clean()
        known = {str(ksb.pk) for ksb in self.ksbs}
        for key in self.data:
            match = _KSB_FIELD.match(key)
            if match and match[1] not in known:
                raise forms.ValidationError(self.unknown_ksb_message, code="unknown_ksb")
        return cleaned_data


class RatingSectionForm(KSBFieldsForm):
    """The apprentice's scores and comments for one section (K, S or B) of a scan, starting
    from ``ratings`` ({ksb_id: Rating}) already saved."""

    def __init__(self, *args, ksbs, ratings, **kwargs):
        initial = kwargs.pop("initial", {})
        for ksb_id, rating in ratings.items():
            initial[f"score_{ksb_id}"] = rating.score
            initial[f"comment_{ksb_id}"] = rating.comment
        super().__init__(*args, ksbs=ksbs, initial=initial, **kwargs)

    def rows(self):
        """A row per KSB with its fields, for the template."""
        return [
            {"ksb": ksb, "score": self[f"score_{ksb.pk}"], "comment": self[f"comment_{ksb.pk}"]}
            for ksb in self.ksbs
        ]

    def add_ksb_fields(self, ksb):
        self.fields[f"score_{ksb.pk}"] = forms.TypedChoiceField(
            label=f"{ksb.code}: {ksb.description}",
            choices=SCORE_CHOICES,
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": "Choose a score from 0 to 4."},
        )
        self.fields[f"comment_{ksb.pk}"] = forms.CharField(
            label=f"Comment on {ksb.code} (optional)",
            required=False,
            max_length=COMMENT_MAX,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def clean(self):
        cleaned_data = super().clean()
        for ksb in self.ksbs:
            score, comment = (
                cleaned_data.get(f"score_{ksb.pk}"),
                cleaned_data.get(f"comment_{ksb.pk}"),
            )
            if score is None and comment and f"score_{ksb.pk}" not in self.errors:
                self.add_error(
                    f"score_{ksb.pk}",
                    forms.ValidationError(
                        "Choose a score to go with your comment.", code="comment_without_score"
                    ),
                )
        return cleaned_data

    def ratings(self):
        """{ksb_id: (score, comment)} for every KSB given a score."""
        return {
            ksb.pk: (self.cleaned_data[f"score_{ksb.pk}"], self.cleaned_data[f"comment_{ksb.pk}"])
            for ksb in self.ksbs
            if self.cleaned_data.get(f"score_{ksb.pk}") is not None
        }


class ValidationForm(KSBFieldsForm):
    """The employer's own score and comment per KSB of a submitted scan."""

    def __init__(self, *args, ratings, validating=False, **kwargs):
        self.ratings_by_ksb = {r.ksb_id: r for r in ratings}
        self.validating = validating
        super().__init__(*args, ksbs=[r.ksb for r in ratings], **kwargs)

    def add_ksb_fields(self, ksb):
        rating = self.ratings_by_ksb[ksb.pk]
        self.fields[f"employer_score_{ksb.pk}"] = forms.TypedChoiceField(
            label=f"Your score for {ksb.code}",
            choices=[("", "No score of your own"), *SCORE_CHOICES],
            coerce=int,
            empty_value=None,
            required=False,
            initial=rating.employer_score,
            error_messages={"invalid_choice": "Choose a score from 0 to 4, or none."},
        )
        self.fields[f"employer_comment_{ksb.pk}"] = forms.CharField(
            label=f"Your comment on {ksb.code}",
            required=False,
            max_length=COMMENT_MAX,
            initial=rating.employer_comment,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def clean(self):
        cleaned_data = super().clean()
        if not self.validating:
            return cleaned_data
        for ksb in self.ksbs:
            employer_score = cleaned_data.get(f"employer_score_{ksb.pk}")
            comment = (cleaned_data.get(f"employer_comment_{ksb.pk}") or "").strip()
            apprentice_score = self.ratings_by_ksb[ksb.pk].score
            if (
                employer_score is not None
                and abs(employer_score - apprentice_score) >= DISAGREEMENT_GAP
                and not comment
            ):
                self.add_error(
                    f"employer_comment_{ksb.pk}",
                    forms.ValidationError(
                        f"Your score differs from the apprentice's by {DISAGREEMENT_GAP} or more: "
                        "explain why before validating.",
                        code="disagreement_needs_comment",
                    ),
                )
        return cleaned_data

    def rows(self):
        """A row per rating with the employer's fields, for the template."""
        return [
            {
                "rating": rating,
                "ksb": rating.ksb,
                "score_field": self[f"employer_score_{rating.ksb_id}"],
                "comment_field": self[f"employer_comment_{rating.ksb_id}"],
            }
            for rating in self.ratings_by_ksb.values()
        ]

    def reviews(self):
        return {
            ksb.pk: (
                self.cleaned_data[f"employer_score_{ksb.pk}"],
                self.cleaned_data[f"employer_comment_{ksb.pk}"].strip(),
            )
            for ksb in self.ksbs
        }
