from django import forms


class GatewayForm(forms.Form):
    """The optional note kept with the change to "at gateway"."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
