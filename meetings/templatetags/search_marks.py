"""{{ title|marked:query }}: a search's matches marked in a title, for the lists.

The title is the meeting as stored now (read from DynamoDB), not the search
index's copy, so what is marked is always what is shown; the match is the same
case-insensitive substring the search index matched.
"""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def marked(text: str, query: str | None) -> SafeString:
    """Return text escaped, with each case-insensitive occurrence of query in
    <mark>; text alone, escaped, without a query."""
    if not query:
        return escape(text)
    pieces, start = [], 0
    for match in re.finditer(re.escape(query), text, flags=re.IGNORECASE):
        pieces.append(escape(text[start : match.start()]))
        pieces.append(format_html("<mark>{}</mark>", match.group()))
        start = match.end()
    pieces.append(escape(text[start:]))
    return mark_safe("".join(pieces))  # noqa: S308  (every piece escaped above)
