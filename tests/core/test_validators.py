import pytest
from django.core.exceptions import ValidationError

from core.validators import no_bidi_controls

OVERRIDES_AND_ISOLATES = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]


@pytest.mark.parametrize("control", OVERRIDES_AND_ISOLATES)
def test_text_direction_overrides_and_isolates_are_refused(control):
    with pytest.raises(ValidationError) as refused:
        no_bidi_controls(f"Invoice {control}fdp.exe")
    assert refused.value.code == "bidi_control"
    assert refused.value.messages[0].startswith("Remove the hidden text-direction characters")


@pytest.mark.parametrize(
    "text",
    [
        "Zoë O'Brien-Ng",
        "محمد عبد الله",
        "דנה לוי",
        "Built the CI pipeline for שלום",
        "\u200fדנה לוי\u200e (RLM and LRM marks)",
        "\u061cمحمد (Arabic letter mark)",
    ],
)
def test_other_text_including_arabic_hebrew_and_direction_marks_is_accepted(text):
    no_bidi_controls(text)
