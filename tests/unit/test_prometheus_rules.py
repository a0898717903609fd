"""deploy/prometheus/rules.yml, its promtool tests, docs/runbook.md and the
Grafana dashboard agree with each other and with the metrics the code declares.

tests/system/test_prometheus.py runs promtool and a real Prometheus on them;
these checks need nothing external.
"""

from __future__ import annotations

import json
import re

import yaml
from prometheus_client import REGISTRY, generate_latest

from tests.support.prometheus import (
    BY,
    DASHBOARD,
    LABELS,
    MATCHER_LABEL,
    METRIC,
    RULES_TEST,
    RUNBOOK,
    RUNBOOK_URL,
    SELECTOR,
    TARGET_LABELS,
    alerts,
    dashboard_panels,
    dashboard_queries,
    github_anchor,
    metrics_used,
    queries,
    recorded,
    rules,
    runbook_sections,
)


def test_the_label_contract_lists_exactly_the_metrics_in_use():
    assert metrics_used() == set(LABELS)


def test_queries_match_and_group_only_on_labels_their_metrics_carry():
    for expr in queries():
        for name, matchers in SELECTOR.findall(expr):
            for label in MATCHER_LABEL.findall(matchers):
                assert label in LABELS[name] | TARGET_LABELS, (name, label, expr)
        carried = set().union(*(LABELS[name] for name in METRIC.findall(expr)))
        for clause in BY.findall(expr):
            for label in filter(None, (part.strip() for part in clause.split(","))):
                # A kind label is what the capacity rule adds with label_replace.
                assert label in carried | TARGET_LABELS | {"kind"}, (label, expr)


def test_every_metric_in_use_is_declared_by_the_code():
    # Importing them registers their metrics, as the server does at start.
    import config.request_metrics  # noqa: F401
    import events.metrics  # noqa: F401
    import meetings.store.dynamodb.client  # noqa: F401

    declared = set()
    for family, kind in re.findall(
        r"(?m)^# TYPE (\S+) (\S+)$", generate_latest(REGISTRY).decode()
    ):
        declared.add(family)
        if kind == "histogram":
            declared |= {f"{family}_bucket", f"{family}_sum", f"{family}_count"}
    assert metrics_used() - {"up"} <= declared, sorted(
        metrics_used() - {"up"} - declared
    )


def test_throttles_are_the_codes_the_store_treats_as_throttling():
    from meetings.store.dynamodb.client import THROTTLING_CODES

    for expr in queries():
        for codes in re.findall(r'code[=!]~"([^"]*)"', expr):
            named = set(codes.split("|"))
            assert named >= THROTTLING_CODES, (sorted(THROTTLING_CODES - named), expr)


def test_recording_rules_follow_the_naming_convention():
    for name in recorded():
        assert re.fullmatch(r"[a-z_]+:meetstream_[a-z0-9_]+:[a-z0-9_]+", name), name


def test_every_alert_has_a_severity_summary_description_and_runbook():
    assert alerts()
    for alert in alerts():
        assert alert["alert"].startswith("Meetstream"), alert["alert"]
        assert alert["labels"]["severity"] in ("warning", "critical"), alert["alert"]
        annotations = alert["annotations"]
        assert annotations["summary"] and annotations["description"]
        assert annotations["runbook_url"].startswith(RUNBOOK_URL), alert["alert"]


def test_each_alert_has_its_own_runbook_section_and_url():
    anchors = [github_anchor(heading) for heading in runbook_sections()]
    assert len(anchors) == len(set(anchors)), "two sections with one anchor"
    for alert in alerts():
        anchor = alert["annotations"]["runbook_url"].removeprefix(RUNBOOK_URL)
        assert anchor in anchors, f"{alert['alert']}: no section #{anchor}"
        assert anchor == github_anchor(alert["alert"]), alert["alert"]
    # And no section for an alert that is gone.
    assert sorted(runbook_sections()) == sorted(a["alert"] for a in alerts())


def test_runbook_links_between_sections_resolve():
    text = RUNBOOK.read_text()
    anchors = {github_anchor(heading) for heading in runbook_sections()}
    for link in re.findall(r"\]\(#([^)]+)\)", text):
        assert link in anchors, link


def test_every_alert_both_fires_and_stays_silent_in_the_promtool_tests():
    suite = yaml.safe_load(RULES_TEST.read_text())
    assert suite["rule_files"] == ["rules.yml"]
    fires, silent = set(), set()
    for case in suite["tests"]:
        for check in case.get("alert_rule_test", []):
            (fires if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {alert["alert"] for alert in alerts()}
    assert names - fires == set(), "never fires"
    assert names - silent == set(), "never silent"
    assert fires | silent <= names, "a test of an alert that is gone"


def test_the_dashboard_is_a_grafana_dashboard_on_a_prometheus_variable():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["schemaVersion"] >= 39
    assert dashboard["uid"] == "meetstream"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for name in ("job", "instance"):
        assert variables[name]["datasource"]["uid"] == "${datasource}"
    panels = dashboard_panels()
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "two panels with one id"
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"
            # Every query follows the job and instance pickers.
            assert 'job="$job"' in target["expr"], target["expr"]
            assert 'instance=~"$instance"' in target["expr"], target["expr"]
            assert "[5m]" not in target["expr"], "use $__rate_interval"


def test_the_dashboard_panels_do_not_overlap():
    taken: set[tuple[int, int]] = set()
    for panel in dashboard_panels():
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, panel["title"]
        taken |= cells


def test_the_dashboard_shows_what_the_alerts_watch():
    used = {name for expr in dashboard_queries() for name in METRIC.findall(expr)}
    in_rules = {name for r in rules() for name in METRIC.findall(r["expr"])}
    assert in_rules <= used, sorted(in_rules - used)
