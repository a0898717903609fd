"""The free-text rules: which characters a meeting's texts may hold.

The API's serializers, the pages' and the admin's forms read these rules
through meetings/validators.py, and the entity checks them (meeting.py).
"""

from __future__ import annotations

import re

# The text rules of every free text a meeting has (title, description, status
# message). C0 and C1 control characters are refused. Multi-line text may still
# hold tabs and newlines; one-line text (a title) may not.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Invisible characters that make text read other than it is (Trojan Source,
# CVE-2021-42574; spoofed titles): the bidirectional controls (LRE, RLE, PDF,
# LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM, ALM) and the zero-width characters
# (ZWSP, ZWNJ, ZWJ, word joiner, BOM). Escapes, so that the OpenAPI pattern
# shows them too.
_BIDI = r"\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_ZERO_WIDTH = r"\u200b-\u200d\u2060\ufeff"
_INVISIBLE = _BIDI + _ZERO_WIDTH
# The one exception: a zero-width joiner inside an emoji ZWJ sequence (👩‍💻,
# 🏳️‍🌈), where it joins two visible pictographs and hides nothing. An emoji
# here is one of the pictographic blocks, with an optional variation selector
# and skin tone.
_EMOJI = (
    r"[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
    r"\ufe0f?[\U0001f3fb-\U0001f3ff]?"
)
_EMOJI_ZWJ_SEQUENCE = rf"{_EMOJI}(?:\u200d{_EMOJI})+"
ONE_LINE_TEXT = rf"\A(?:{_EMOJI_ZWJ_SEQUENCE}|[^{_CONTROL}{_INVISIBLE}\t\n\r])*\Z"
MULTI_LINE_TEXT = rf"\A(?:{_EMOJI_ZWJ_SEQUENCE}|[^{_CONTROL}{_INVISIBLE}])*\Z"
# The characters a text may hold at all, for the OpenAPI `pattern`: the rule
# above without its one exception's context, so a zero-width joiner passes here
# and text_problem judges where it stands. A single character class, because a
# client's generator (schemathesis, hypothesis) can bound it by maxLength; the
# alternation above it can only filter, far too slowly to fill a long title.
_INVISIBLE_BUT_ZWJ = _BIDI + _ZERO_WIDTH.replace(r"\u200b-\u200d", r"\u200b\u200c")
ONE_LINE_CHARACTERS = rf"^[^{_CONTROL}{_INVISIBLE_BUT_ZWJ}\t\n\r]*$"
MULTI_LINE_CHARACTERS = rf"^[^{_CONTROL}{_INVISIBLE_BUT_ZWJ}]*$"
CONTROL_CHARACTERS_MESSAGE = "Control characters are not allowed."
INVISIBLE_CHARACTERS_MESSAGE = (
    "Bidirectional control and zero-width characters are not allowed "
    "(found {codepoint})."
)


def text_problem(value: str, *, multi_line: bool) -> str | None:
    """Return why value breaks the free-text rules, or None if it keeps them."""
    if re.match(MULTI_LINE_TEXT if multi_line else ONE_LINE_TEXT, value):
        return None
    invisible = re.search(f"[{_INVISIBLE}]", re.sub(_EMOJI_ZWJ_SEQUENCE, "", value))
    if invisible:
        codepoint = f"U+{ord(invisible.group()):04X}"
        return INVISIBLE_CHARACTERS_MESSAGE.format(codepoint=codepoint)
    return CONTROL_CHARACTERS_MESSAGE
