"""Validators shared by the apps' models and forms."""

import re

from django.core.exceptions import ValidationError

# The explicit embeddings and overrides (U+202A to U+202E) and isolates (U+2066 to U+2069)
# reorder the text after them, so a title or name can show something other than what it says
# ("Trojan Source"). The plain marks U+200E and U+200F only set the direction of what is
# around them and are typed in Arabic and Hebrew text: they are allowed.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def no_bidi_controls(value):
    """Refuse text with hidden characters that change the direction of the text after them."""
    if BIDI_CONTROLS.search(value):
        raise ValidationError(
            "Remove the hidden text-direction characters: they can make this text show "
            "differently from what it says.",
            code="bidi_control",
        )
