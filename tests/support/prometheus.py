"""The alert rules, their promtool tests, the runbook and the Grafana dashboard,
read for the tests: their files, rules, queries and the metrics they name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
RULES = BASE_DIR / "deploy" / "prometheus" / "rules.yml"
RULES_TEST = BASE_DIR / "deploy" / "prometheus" / "rules_test.yml"
RUNBOOK = BASE_DIR / "docs" / "runbook.md"
DASHBOARD = BASE_DIR / "deploy" / "grafana" / "meetstream.json"
RUNBOOK_URL = "https://github.com/meetstream/meetstream/blob/main/docs/runbook.md#"

# The labels of each metric the rules and the dashboard use, besides job and
# instance: the contract of docs/operations.md, "Health and metrics".
# Histograms appear as the series the queries name (_bucket carries le).
LABELS: dict[str, set[str]] = {
    "up": set(),
    "meetstream_open_streams": set(),
    "meetstream_streams_opened_total": set(),
    "meetstream_streams_closed_total": {"reason"},
    "meetstream_events_sent_total": {"event"},
    "meetstream_stream_reconnects_total": set(),
    "meetstream_stream_refusals_total": {"reason"},
    "meetstream_delivery_lag_seconds_bucket": {"le"},
    "meetstream_draining": set(),
    "meetstream_recheck_failures_total": set(),
    "meetstream_poll_ticks_total": set(),
    "meetstream_poll_tick_failures_total": set(),
    "meetstream_poll_tick_lag_seconds_bucket": {"le"},
    "meetstream_poll_batch_seconds_bucket": {"le"},
    "meetstream_poll_meetings_read_total": set(),
    "meetstream_poll_changes_seen_total": set(),
    "meetstream_poll_dynamodb_errors_total": {"code"},
    "meetstream_http_requests_total": {"route", "method", "status"},
    "meetstream_http_request_duration_seconds_bucket": {"route", "le"},
    "meetstream_dynamodb_requests_total": {"operation"},
    "meetstream_dynamodb_errors_total": {"operation", "code"},
    "meetstream_dynamodb_read_capacity_units_total": {"operation"},
    "meetstream_dynamodb_write_capacity_units_total": {"operation"},
    "meetstream_dynamodb_capacity_budget_units": {"kind"},
}
# A metric name standing alone: not inside a recording rule's name
# (job:meetstream_open_streams:sum), which the rules make themselves.
METRIC = re.compile(r"(?<![\w:])(meetstream_[a-z0-9_]+|up)(?![\w:])")
SELECTOR = re.compile(r"(?<![\w:])(meetstream_[a-z0-9_]+|up)\{([^}]*)\}")
MATCHER_LABEL = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)")
BY = re.compile(r"\b(?:by|on)\s*\(([^)]*)\)")
TARGET_LABELS = {"job", "instance"}


def rules() -> list[dict]:
    """Return every rule of rules.yml, recording rules and alerts."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def alerts() -> list[dict]:
    return [rule for rule in rules() if "alert" in rule]


def recorded() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def dashboard_panels() -> list[dict]:
    """Return the dashboard's panels, those inside rows included."""
    panels = []
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))
    return panels


def dashboard_queries() -> list[str]:
    """Return the PromQL of every dashboard panel, with Grafana's variables."""
    return [
        target["expr"]
        for panel in dashboard_panels()
        for target in panel.get("targets", [])
    ]


def queries() -> list[str]:
    """Return every PromQL expression of the rules and the dashboard."""
    return [rule["expr"] for rule in rules()] + dashboard_queries()


def metrics_used() -> set[str]:
    """Return the names of the series the rules and the dashboard read."""
    return {name for expr in queries() for name in METRIC.findall(expr)}


def github_anchor(heading: str) -> str:
    """Return the anchor GitHub gives a Markdown heading."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def runbook_sections() -> list[str]:
    return re.findall(r"(?m)^## (.+)$", RUNBOOK.read_text())
