"""Django validators of meeting text, from the patterns the entity enforces.

They are patterns the whole value must match (not forbidden characters), so
the OpenAPI schema can state them as `pattern`. The serializers and the forms
use them so that users see a field error before the entity would refuse.
"""

from django.core.validators import RegexValidator

from .domain import MULTI_LINE_TEXT, ONE_LINE_TEXT

MESSAGE = "Control characters are not allowed."

no_control_characters = RegexValidator(ONE_LINE_TEXT, MESSAGE)
no_binary_characters = RegexValidator(MULTI_LINE_TEXT, MESSAGE)
