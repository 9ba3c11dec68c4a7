"""Forms of the conversation about a piece of evidence: the employer's decision, KSB by KSB,
and a comment from either side."""

from django import forms

from .models import EvidenceFeedback
from .services.evidence import COMMENT_MAX_LENGTH

REASON_MAX_LENGTH = 1000


class EvidenceDecisionForm(forms.Form):
    """Accept the evidence (for each KSB it claims: accepted, or not with the reason) or ask for
    changes (with what should change). ``ksbs`` are the KSBs the evidence claims; only those can
    be ticked, and every one starts ticked."""

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (EvidenceFeedback.Decision.ACCEPTED, "Accept"),
            (EvidenceFeedback.Decision.CHANGES_REQUESTED, "Ask for changes"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose to accept the evidence or to ask for changes."},
    )
    ksbs = forms.MultipleChoiceField(
        label="KSBs you accept",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="When you accept: untick each KSB this evidence does not show, and say why.",
        error_messages={"invalid_choice": "Decide only on the KSBs this evidence claims."},
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you ask for changes: say what should change.",
    )

    def __init__(self, *args, ksbs, **kwargs):
        super().__init__(*args, **kwargs)
        self.ksb_list = list(ksbs)
        self.fields["ksbs"].choices = [
            (str(ksb.pk), f"{ksb.code}: {ksb.description}") for ksb in self.ksb_list
        ]
        self.fields["ksbs"].initial = [str(ksb.pk) for ksb in self.ksb_list]
        for ksb in self.ksb_list:
            self.fields[self.reason_name(ksb)] = forms.CharField(
                label=f"Why {ksb.code} is not shown",
                required=False,
                max_length=REASON_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @staticmethod
    def reason_name(ksb):
        return f"reason_{ksb.pk}"

    def ksb_rows(self):
        """[(the KSB, its tick box, its reason field)], for the template."""
        boxes = {box.data["value"]: box for box in self["ksbs"]}
        return [(ksb, boxes[str(ksb.pk)], self[self.reason_name(ksb)]) for ksb in self.ksb_list]

    def clean(self):
        cleaned_data = super().clean()
        decision = cleaned_data.get("decision")
        if decision == EvidenceFeedback.Decision.CHANGES_REQUESTED:
            if not (cleaned_data.get("comment") or "").strip():
                self.add_error(
                    "comment", forms.ValidationError("Say what should change.", code="required")
                )
        elif decision == EvidenceFeedback.Decision.ACCEPTED and "ksbs" not in self.errors:
            accepted = set(cleaned_data.get("ksbs") or ())
            if not accepted:
                self.add_error(
                    "ksbs",
                    forms.ValidationError(
                        "Accept at least one KSB, or ask for changes instead.",
                        code="no_ksb_accepted",
                    ),
                )
            for ksb in self.ksb_list:
                name = self.reason_name(ksb)
                if (
                    accepted
                    and str(ksb.pk) not in accepted
                    and name not in self.errors
                    and not cleaned_data.get(name, "").strip()
                ):
                    self.add_error(
                        name,
                        forms.ValidationError(
                            f"Say why {ksb.code} is not shown.", code="reason_required"
                        ),
                    )
        return cleaned_data

    def ksb_outcomes(self):
        """{KSB id: (accepted, reason)} for the service; None when asking for changes."""
        if self.cleaned_data["decision"] != EvidenceFeedback.Decision.ACCEPTED:
            return None
        accepted = set(self.cleaned_data["ksbs"])
        return {
            ksb.pk: (
                str(ksb.pk) in accepted,
                "" if str(ksb.pk) in accepted else self.cleaned_data[self.reason_name(ksb)],
            )
            for ksb in self.ksb_list
        }


class EvidenceCommentForm(forms.Form):
    comment = forms.CharField(
        label="Your reply",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A question, an answer or a note: it does not change the evidence. "
        f"At most {COMMENT_MAX_LENGTH} characters.",
        error_messages={
            "required": "Write your reply first.",
            "max_length": f"Keep a reply to {COMMENT_MAX_LENGTH} characters "
            "(it has %(show_value)d).",
        },
    )
