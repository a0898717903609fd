"""Read a rendered form the way a browser submits it, for Django's test client."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.done:
            self.inside = self.form_id is None or attr.get("id") == self.form_id
            return
        if not self.inside or "disabled" in attr:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            self.values[name] = attr.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            self._option = attr.get("value")
            if "selected" in attr or self._select not in self.values:
                self.values[self._select] = self._option or ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "textarea" and self._textarea:
            # The parser keeps the newline right after <textarea>; browsers drop it.
            value = self.values[self._textarea]
            self.values[self._textarea] = value.removeprefix("\n").replace("\n", "\r\n")
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_values(page: str, form_id: str | None = None) -> dict[str, str]:
    """Return the name/value pairs a browser would submit from the page's form.

    The first form, or the one with form_id; disabled fields and buttons are
    left out, and textarea lines end in CRLF, as browsers send them.
    """
    reader = _FormReader(form_id)
    reader.feed(page)
    return reader.values
