"""The dashboard's bar chart of meetings per status, as JSON-ready SVG geometry."""

from __future__ import annotations

from collections.abc import Callable

from ..domain import Status

# In SVG user units.
ROW_HEIGHT = 24
LABEL_WIDTH = 110
BAR_WIDTH = 320
COUNT_GAP = 6
COUNT_WIDTH = 60


def status_chart(counts: dict[Status, int], url_for: Callable[[Status], str]) -> dict:
    """Return one bar per status, scaled to the largest count, with its link.

    The result holds only strings and numbers, so the dashboard's template
    draws it and the counts view sends it as it is: {"title", "description",
    "bars": [{"status", "label", "count", "url", "y", "width", "count_x"}, …],
    "label_width", "width", "height"}. The title and description are the
    chart's text alternative, so a page refreshing the chart says the same.
    """
    top = max([*counts.values(), 1])
    bars = []
    for row, (status, count) in enumerate(counts.items()):
        # A drifted count can go below zero; draw it as an empty bar.
        width = round(BAR_WIDTH * max(count, 0) / top)
        bars.append(
            {
                "status": status.value,
                "label": status.label,
                "count": count,
                "url": url_for(status),
                "y": row * ROW_HEIGHT,
                "width": width,
                "count_x": LABEL_WIDTH + width + COUNT_GAP,
            }
        )
    return {
        "title": f"Meetings per status, {sum(counts.values())} in all",
        "description": "; ".join(f"{b['label']}: {b['count']}" for b in bars),
        "bars": bars,
        "label_width": LABEL_WIDTH,
        "width": LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH,
        "height": len(bars) * ROW_HEIGHT,
    }
