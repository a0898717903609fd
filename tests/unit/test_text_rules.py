"""The free-text rules of a meeting, once in the domain: no control characters,
no bidirectional controls, no zero-width characters.
"""

import pytest

from meetings.domain import InvalidMeeting, Meeting, text_problem
from meetings.validators import no_binary_characters, no_control_characters

BIDI = [
    *(chr(c) for c in range(0x202A, 0x202F)),  # LRE, RLE, PDF, LRO, RLO
    *(chr(c) for c in range(0x2066, 0x206A)),  # LRI, RLI, FSI, PDI
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # ALM
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


@pytest.mark.parametrize("character", BIDI + ZERO_WIDTH)
@pytest.mark.parametrize("multi_line", [False, True])
def test_invisible_characters_are_refused_by_code_point(character, multi_line):
    problem = text_problem(f"Pay {character}invoice", multi_line=multi_line)
    assert problem == (
        "Bidirectional control and zero-width characters are not allowed "
        f"(found U+{ord(character):04X})."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Quarterly review",
        "مراجعة ربع سنوية",  # right-to-left text needs no control character
        "סקירה רבעונית",
        "Café ☕ 👩 — «notes»",
        "\u00a0non-breaking\u2009thin space",
    ],
)
def test_ordinary_text_in_any_script_is_allowed(text):
    assert text_problem(text, multi_line=False) is None


@pytest.mark.parametrize(
    "text",
    [
        "👩\u200d👩\u200d👧\u200d👦 family sync",
        "👩🏽\u200d💻 pairing",
        "🏳\ufe0f\u200d🌈 pride",
        "❤\ufe0f\u200d🔥",
    ],
)
def test_a_zero_width_joiner_inside_an_emoji_sequence_is_allowed(text):
    assert text_problem(text, multi_line=False) is None


@pytest.mark.parametrize(
    "text", ["ad\u200dmin", "👩\u200d", "\u200d👩", "a\u200d👩", "👩\u200d\u200d👩"]
)
def test_a_zero_width_joiner_anywhere_else_is_refused(text):
    assert "U+200D" in text_problem(text, multi_line=True)


def test_control_characters_keep_their_own_message():
    assert text_problem("a\x07b", multi_line=True) == (
        "Control characters are not allowed."
    )
    assert text_problem("a\nb", multi_line=False) is not None
    assert text_problem("a\nb", multi_line=True) is None


def test_the_entity_refuses_them_in_every_free_text_naming_each_field():
    with pytest.raises(InvalidMeeting) as refused:
        Meeting(
            owner_id="1",
            title="invoice\u202etxt.exe",
            description="a\u200bb",
            status_message="\u2066x\u2069",
            participants=["ana@exa\u200dmple.com"],
        )
    assert set(refused.value.details) == {
        "title",
        "description",
        "status_message",
        "participants",
    }
    assert "U+202E" in refused.value.details["title"][0]
    assert "U+200D" in refused.value.details["participants"][0]


def test_the_validators_say_what_the_entity_says_and_state_its_pattern():
    from django.core.exceptions import ValidationError

    for validator in (no_control_characters, no_binary_characters):
        with pytest.raises(ValidationError) as refused:
            validator("a\u202eb")
        assert refused.value.messages == [text_problem("a\u202eb", multi_line=True)]
        # The pattern, which the OpenAPI schema states, names the escapes.
        assert "\\u202a-\\u202e" in validator.regex.pattern
