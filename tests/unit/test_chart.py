"""The dashboard's chart of meetings per status (meetings/admin/chart.py)."""

import json

from meetings.admin.chart import BAR_WIDTH, LABEL_WIDTH, ROW_HEIGHT, status_chart
from meetings.domain import Status


def counts(**numbers: int) -> dict[Status, int]:
    return {status: numbers.get(status.value, 0) for status in Status}


def url_for(status: Status) -> str:
    return f"/list?status={status}"


def test_the_chart_is_json_as_it_is():
    chart = status_chart(counts(scheduled=2, completed=1), url_for)
    assert json.loads(json.dumps(chart)) == chart


def test_each_bar_names_its_status_and_links_to_its_meetings():
    chart = status_chart(counts(in_progress=4), url_for)
    bar = chart["bars"][1]
    assert {key: bar[key] for key in ("status", "label", "count", "url")} == {
        "status": "in_progress",
        "label": "In progress",
        "count": 4,
        "url": "/list?status=in_progress",
    }
    assert [b["y"] for b in chart["bars"]] == [
        row * ROW_HEIGHT for row in range(len(Status))
    ]
    assert chart["height"] == len(Status) * ROW_HEIGHT


def test_bars_scale_to_the_largest_count_and_say_so_in_words():
    chart = status_chart(counts(scheduled=2, completed=1), url_for)
    widths = {bar["status"]: bar["width"] for bar in chart["bars"]}
    assert widths["scheduled"] == BAR_WIDTH == 2 * widths["completed"]
    assert widths["failed"] == 0
    assert chart["title"] == "Meetings per status, 3 in all"
    assert chart["description"].startswith("Scheduled: 2; In progress: 0;")
    first = chart["bars"][0]
    assert first["count_x"] > LABEL_WIDTH + first["width"]


def test_a_drifted_negative_count_draws_an_empty_bar():
    chart = status_chart(counts(failed=-1), url_for)
    assert chart["bars"][-1]["width"] == 0
    assert all(bar["width"] == 0 for bar in chart["bars"])
