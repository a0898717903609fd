"""nginx sends exactly the stream URLs (events/urls.py) to its unbuffered location."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

NGINX_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def stream_location() -> re.Pattern[str]:
    """Return the regex of the nginx location that proxies without buffering."""
    blocks = re.findall(
        r"location ~ (\S+) \{(.*?)\n    \}", NGINX_CONF.read_text(), re.S
    )
    (pattern,) = [regex for regex, body in blocks if "proxy_buffering off;" in body]
    return re.compile(pattern)


@pytest.mark.parametrize(
    "path",
    [
        reverse(
            "meeting-events",
            kwargs={"meeting_id": "0b5e3a8e-0000-4000-8000-000000000001"},
        ),
        reverse("events"),
    ],
)
def test_every_stream_url_takes_the_unbuffered_location(path):
    assert stream_location().search(path)


@pytest.mark.parametrize(
    "path", ["/v1/meetings", "/v1/meetings/x", "/v1/meetings/x/eventsx", "/events"]
)
def test_no_other_url_does(path):
    assert not stream_location().search(path)
