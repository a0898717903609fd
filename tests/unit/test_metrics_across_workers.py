"""/metrics adds up the figures every worker wrote (prometheus_client multiprocess)."""

from __future__ import annotations

import subprocess
import sys

from django.test import RequestFactory
from prometheus_client.parser import text_string_to_metric_families

from events.metrics import metrics_view

WORKER = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from events import metrics
metrics.OPEN_STREAMS.inc({streams})
metrics.STREAMS_OPENED.inc({streams})
"""


def test_a_scrape_sums_the_streams_of_every_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for streams in (2, 3):  # two workers, each with its own streams
        code = WORKER.format(streams=streams)
        subprocess.run([sys.executable, "-c", code], check=True)

    response = metrics_view(RequestFactory().get("/metrics"))

    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if not sample.labels
    }
    assert found["meetstream_open_streams"] == 5
    assert found["meetstream_streams_opened_total"] == 5
