from django import forms


class GatewayForm(forms.Form):
    """The optional note kept with the change to "at gateway"."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveForm(forms.Form):
    """The version to move to, and on the POST that moves, the confirmation that the report
    was read."""

    target = forms.ModelChoiceField(
        label="Move to version",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of the newer versions listed."},
    )
    confirm = forms.BooleanField(
        label="I have checked the report: move now",
        required=False,
    )

    def __init__(self, *args, targets, confirming=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets
        self.fields["target"].label_from_instance = lambda s: (
            f"{s.reference} v{s.version} ({s.get_status_display().lower()})"
        )
        if confirming:
            self.fields["confirm"].required = True
            self.fields["confirm"].error_messages["required"] = (
                "Tick the box to confirm you have checked the report."
            )


class OrganisationMoveForm(MoveForm):
    """A move of several apprenticeships of an organisation at once."""

    apprenticeships = forms.ModelMultipleChoiceField(
        label="Apprenticeships to move",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one apprenticeship to move.",
            "invalid_choice": "One of the apprenticeships chosen cannot be moved from here.",
            "invalid_pk_value": "One of the apprenticeships chosen cannot be moved from here.",
        },
    )

    def __init__(self, *args, apprenticeships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["apprenticeships"].queryset = apprenticeships
