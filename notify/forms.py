"""The preferences form: for each kind of the catalogue, how it reaches the person, and how
often their digest comes."""

from django import forms
from django.core.exceptions import ValidationError

from .catalogue import ENTRIES, Channel, Mode
from .models import DigestChoice
from .services import channels_offered, kinds_for, offers_digest

# The groups of the page, in order: what happens now, what comes on a schedule.
GROUPS = [
    (Mode.IMMEDIATE, "When something happens"),
    (Mode.REMINDER, "Reminders"),
    (Mode.DIGEST_ONLY, "Only in the digest"),
]
# What a browser sends besides the choices.
_NOT_CHOICES = {"csrfmiddlewaretoken", "frequency"}


class PreferencesForm(forms.Form):
    """One choice per kind that can reach this person (named by the kind), only among the
    channels they are offered: the digest only for mentors and managers, "off" only where a
    kind may be switched off. A kind not offered to them, or a channel not offered, refuses
    the whole form, so nothing is half saved."""

    def __init__(self, user, *args, current=None, frequency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        current = current or {}
        self.kinds = kinds_for(user)
        for kind in self.kinds:
            item = ENTRIES[kind]
            offered = channels_offered(user, kind)
            chosen = current.get(kind, item.default)
            self.fields[kind] = forms.ChoiceField(
                label=kind.label,
                help_text=f"When {item.when}.",
                choices=[(channel.value, channel.label) for channel in offered],
                initial=chosen if chosen in offered else Channel.EMAIL,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": f"Choose one of the offered ways for “{kind.label}”.",
                    "required": f"Choose how you want “{kind.label}”.",
                },
            )
        if offers_digest(user):
            self.fields["frequency"] = forms.ChoiceField(
                label="How often your digest comes",
                choices=DigestChoice.Frequency.choices,
                initial=frequency or DigestChoice.Frequency.DAILY,
                widget=forms.RadioSelect,
            )

    def clean(self):
        data = super().clean()
        if self.is_bound:
            unknown = sorted(set(self.data) - set(self.fields) - _NOT_CHOICES)
            if unknown:
                raise ValidationError(
                    "There is no kind of notification called %(names)s.",
                    code="unknown_kind",
                    params={"names": ", ".join(unknown)[:200]},
                )
        return data

    def channels(self):
        """{kind: Channel} as chosen."""
        return {kind: Channel(self.cleaned_data[kind]) for kind in self.kinds}

    def groups(self):
        """[(heading, [bound field, ...])] for the page, groups without kinds left out."""
        grouped = []
        for mode, heading in GROUPS:
            fields = [self[kind] for kind in self.kinds if ENTRIES[kind].mode == mode]
            if fields:
                grouped.append((heading, fields))
        return grouped
