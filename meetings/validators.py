"""Validators for meeting text, shared by the API and the page forms."""

from django.core.validators import RegexValidator

# C0/C1 control characters; multi-line fields may still hold tabs and newlines.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

no_control_characters = RegexValidator(
    rf"[{_CONTROL}\t\n\r]", "Control characters are not allowed.", inverse_match=True
)
no_binary_characters = RegexValidator(
    rf"[{_CONTROL}]", "Control characters are not allowed.", inverse_match=True
)
