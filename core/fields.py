"""Form fields that check a submitted value is something the database can be asked about before
asking it: a tampered id beyond a 64-bit integer is a form error, never an OverflowError."""

from django import forms
from django.core.exceptions import ValidationError

from .converters import MAX_ID


class ModelMultipleIdField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose every submitted key must be a whole number from 1 to
    MAX_ID; SQLite raises OverflowError on a larger one inside ``pk__in``."""

    def _check_values(self, value):
        for key in value:
            text = str(key).strip()
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text[:30]},
                )
        return super()._check_values(value)
