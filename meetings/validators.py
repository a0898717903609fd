"""Validators for meeting text, shared by the API and the page forms.

They are written as patterns the whole value must match (not as forbidden
characters), so the OpenAPI schema can state them as `pattern`.
"""

from django.core.validators import RegexValidator

# C0/C1 control characters; multi-line fields may still hold tabs and newlines.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

no_control_characters = RegexValidator(
    rf"\A[^{_CONTROL}\t\n\r]*\Z", "Control characters are not allowed."
)
no_binary_characters = RegexValidator(
    rf"\A[^{_CONTROL}]*\Z", "Control characters are not allowed."
)
