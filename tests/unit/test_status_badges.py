"""status-badges.css: every status has its own colours and its own icon."""

import re
from pathlib import Path

from meetings.domain import Status

CSS = (Path(__file__).resolve().parents[2] / "static/css/status-badges.css").read_text()
STATUSES = [status.value for status in Status] + ["deleted"]


def rule(selector: str) -> str:
    found = re.search(rf"^{re.escape(selector)} \{{([^}}]*)\}}", CSS, re.M)
    assert found, selector
    return found.group(1)


def test_no_two_statuses_share_an_icon_or_colours():
    icons, colours = {}, {}
    for status in STATUSES:
        icon = re.findall(r'content: "([^"]+)"', rule(f".badge--{status}::before"))
        # A fallback, then the same icon with empty alternative text.
        assert len(icon) == 2 and icon[0] == icon[1], status
        assert '/ ""' in rule(f".badge--{status}::before"), status
        icons[status] = icon[0]
        colours[status] = rule(f".badge--{status}").strip()
    assert len(set(icons.values())) == len(STATUSES), icons
    assert len(set(colours.values())) == len(STATUSES), colours
