"""Django validators of meeting text, from the text rules the entity enforces.

Each holds the characters the rule allows (the whole value must match it,
rather than a list of forbidden characters), so the OpenAPI schema can state
it as `pattern`; the rule's one context-dependent part, a zero-width joiner
only inside an emoji sequence, is judged by the entity. Each answers with the
entity's own words (domain.text_problem): the serializers and the forms use
them so that users see a field error, naming the character, before the entity
would refuse.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

from .domain import (
    CONTROL_CHARACTERS_MESSAGE,
    MULTI_LINE_CHARACTERS,
    ONE_LINE_CHARACTERS,
    text_problem,
)

MESSAGE = CONTROL_CHARACTERS_MESSAGE


@deconstructible
class TextRuleValidator(RegexValidator):
    """Refuse what domain.text_problem refuses, with its message."""

    def __init__(self, *, multi_line: bool) -> None:
        pattern = MULTI_LINE_CHARACTERS if multi_line else ONE_LINE_CHARACTERS
        super().__init__(pattern, MESSAGE)
        self.multi_line = multi_line

    def __call__(self, value: object) -> None:
        problem = text_problem(str(value), multi_line=self.multi_line)
        if problem is not None:
            raise ValidationError(problem, code=self.code, params={"value": value})

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TextRuleValidator) and other.multi_line == self.multi_line
        )

    def __hash__(self) -> int:
        return hash((type(self), self.multi_line))


no_control_characters = TextRuleValidator(multi_line=False)
no_binary_characters = TextRuleValidator(multi_line=True)
