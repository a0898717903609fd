"""The alerts and the dashboard on the real tools, against live servers.

promtool checks deploy/prometheus/rules.yml and runs its unit tests; every
metric the rules and deploy/grafana/meetstream.json read is one a live server
exports; and Debian's Prometheus, scraping two servers each second, finds each
with the labels the queries expect, sums the open streams of both, evaluates
every rule healthy and answers every dashboard query.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from meetings.store.local import free_port
from tests.conftest import access_token_for
from tests.support.live import LiveServer
from tests.support.prometheus import (
    LABELS,
    RULES,
    RULES_TEST,
    alerts,
    dashboard_queries,
    metrics_used,
    recorded,
)
from tests.support.sse import StreamReader

pytestmark = pytest.mark.system

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
JOB = "meetstream"  # the job name rules.yml's `up` alerts expect
# Series that exist only once the poller has failed: the family must be there.
ONLY_AFTER_FAILURES = {"meetstream_poll_dynamodb_errors_total"}
# Grafana's variables, as the dashboard's pickers set them by default.
GRAFANA_VARIABLES = {"$job": JOB, "$instance": ".*", "$__rate_interval": "1m"}
STREAMS = 7  # spread over two servers: 4 and 3


def promtool(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PROMTOOL, *arguments], capture_output=True, text=True, timeout=120
    )


def test_promtool_accepts_the_rules():
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    total = len(alerts()) + len(recorded())
    assert f"SUCCESS: {total} rules found" in checked.stdout


def test_the_rules_pass_their_promtool_unit_tests():
    tested = promtool("test", "rules", str(RULES_TEST))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def exercise(server: LiveServer, user) -> str:
    """Make the requests whose metrics carry labels; return a meeting's id.

    A page, API reads and writes, a create retried with its idempotency key
    (the retry's conditional write fails: a DynamoDB error with its code), a
    stream refused without credentials and a stream opened and closed.
    """
    bearer = {"Authorization": f"Bearer {access_token_for(user)}"}
    create = {**bearer, "Idempotency-Key": uuid.uuid4().hex}
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/accounts/login/").status_code == 200
        created = client.post("/v1/meetings", json={"title": "m"}, headers=create)
        assert created.status_code == 201, created.text
        retried = client.post("/v1/meetings", json={"title": "m"}, headers=create)
        assert retried.status_code in (200, 201), retried.text
        meeting_id = created.json()["id"]
        assert client.get("/v1/meetings", headers=bearer).status_code == 200
        refused = client.get(f"/v1/meetings/{meeting_id}/events")
        assert refused.status_code == 401
    stream = open_stream(server, meeting_id, bearer)
    stream.close()
    return meeting_id


def open_stream(server: LiveServer, meeting_id: str, headers: dict) -> StreamReader:
    stream = StreamReader(f"{server.url}/v1/meetings/{meeting_id}/events", headers)
    stream.start()
    stream.next_of("status")
    return stream


def sample_names(exposition: str) -> set[str]:
    return set(re.findall(r"(?m)^([a-zA-Z_:][\w:]*)[ {]", exposition))


def wait_for(predicate, timeout: float, describe=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {describe()}")
        time.sleep(0.2)


def test_the_rules_and_dashboard_read_only_what_a_live_server_exports(
    start_server, alice
):
    server = start_server()
    exercise(server, alice)
    names: set[str] = set()

    def closed_stream_counted() -> bool:
        names.clear()
        names.update(sample_names(httpx.get(f"{server.url}/metrics").text))
        return "meetstream_streams_closed_total" in names

    # The server counts a closed stream when its next ping fails.
    wait_for(closed_stream_counted, 10)
    exposition = httpx.get(f"{server.url}/metrics").text
    families = set(re.findall(r"(?m)^# TYPE (\S+) ", exposition))
    assert families >= ONLY_AFTER_FAILURES
    missing = metrics_used() - {"up"} - ONLY_AFTER_FAILURES - names
    assert not missing, f"not on /metrics: {sorted(missing)}"


class Prometheus:
    """Debian's Prometheus on a free port, its data in workdir."""

    def __init__(self, workdir: Path, targets: list[int], rule_files: list[Path]):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "prometheus.yml"
        rules = "".join(f"  - {path}\n" for path in rule_files)
        hosts = ", ".join(f'"127.0.0.1:{port}"' for port in targets)
        self.config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            f"rule_files:\n{rules}"
            "scrape_configs:\n"
            f"  - job_name: {JOB}\n"
            f"    static_configs:\n      - targets: [{hosts}]\n"
        )
        self.log = workdir / "prometheus.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Prometheus:
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [PROMETHEUS, f"--config.file={self.config}",
                 f"--storage.tsdb.path={self.workdir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.log.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def api(self, path: str, **params) -> dict | list:
        answer = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        body = answer.json()
        assert body["status"] == "success", (path, params, body)
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("query", query=expr)["result"]

    def value(self, expr: str) -> float | None:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None


@pytest.fixture
def prometheus(tmp_path):
    """Start a Prometheus scraping the given server ports, with rule files."""
    started: list[Prometheus] = []

    def start(targets: list[int], rule_files: list[Path]) -> Prometheus:
        workdir = tmp_path / f"prometheus-{len(started)}"
        workdir.mkdir()
        instance = Prometheus(workdir, targets, rule_files)
        started.append(instance)
        return instance.start()

    yield start
    for instance in started:
        instance.stop()


def test_prometheus_scraping_two_instances(start_server, alice, prometheus):
    a, b = start_server(), start_server()
    prom = prometheus([a.port, b.port], [RULES])
    meeting_id = exercise(a, alice)
    exercise(b, alice)
    bearer = {"Authorization": f"Bearer {access_token_for(alice)}"}
    streams = []
    try:
        for n in range(STREAMS):
            # The first comes back (version 0 seen, so it is sent the current one).
            headers = dict(bearer, **({"Last-Event-ID": "0"} if n == 0 else {}))
            streams.append(open_stream(a if n % 2 == 0 else b, meeting_id, headers))
        patched = httpx.patch(
            f"{a.url}/v1/meetings/{meeting_id}",
            json={"status": "in_progress"},
            headers=bearer,
        )
        assert patched.status_code == 200, patched.text
        for stream in streams:
            stream.next_of("status")

        open_streams = f'sum(meetstream_open_streams{{job="{JOB}"}})'
        wait_for(
            lambda: prom.value(open_streams) == STREAMS,
            30,
            lambda: prom.query(f"meetstream_open_streams or up{{job='{JOB}'}}"),
        )
        assert prom.value(f'count(up{{job="{JOB}"}} == 1)') == 2
        # The stream closed on each, counted at its next ping, is scraped too.
        closed = "count(count by (instance) (meetstream_streams_closed_total))"
        wait_for(lambda: prom.value(closed) == 2, 10)
        _assert_every_metric_has_its_labels(prom)
        _assert_the_rules_run_healthy(prom)
        _assert_the_dashboard_queries_answer(prom)
    finally:
        for stream in streams:
            stream.close()


def _assert_every_metric_has_its_labels(prom: Prometheus) -> None:
    missing, unlabelled = [], {}
    for name, labels in sorted(LABELS.items()):
        series = prom.api("series", **{"match[]": f'{name}{{job="{JOB}"}}'})
        if not series:
            if name in ONLY_AFTER_FAILURES:
                assert prom.api("metadata", metric=name), name
            else:
                missing.append(name)
            continue
        instances = {s["instance"] for s in series}
        assert len(instances) == 2, (name, instances)
        carried = set().union(*(s.keys() for s in series))
        if not labels <= carried:
            unlabelled[name] = sorted(labels - carried)
    assert not missing and not unlabelled, (
        f"no series: {missing}; series without labels: {unlabelled}"
    )


def _assert_the_rules_run_healthy(prom: Prometheus) -> None:
    def evaluated() -> list[dict]:
        groups = prom.api("rules")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        done = all(not r["lastEvaluation"].startswith("0001-") for r in rules)
        return rules if done else []

    wait_for(evaluated, 10)
    loaded = evaluated()
    names = {rule["name"] for rule in loaded}
    assert names == recorded() | {alert["alert"] for alert in alerts()}
    unhealthy = {
        rule["name"]: rule.get("lastError") for rule in loaded if rule["health"] != "ok"
    }
    assert not unhealthy, unhealthy
    # A recording rule's output, summed over both instances.
    wait_for(
        lambda: (
            prom.value(f'job:meetstream_open_streams:sum{{job="{JOB}"}}') == STREAMS
        ),
        10,
    )
    # No alert fires on two healthy instances (pending ones cannot fire yet).
    firing = prom.query('ALERTS{alertstate="firing"}')
    assert not firing, firing


def _assert_the_dashboard_queries_answer(prom: Prometheus) -> None:
    empty = []
    for expr in dashboard_queries():
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, expr
        if not prom.query(expr):
            empty.append(expr)
    # Throttles and failures are absent on a healthy pair; all else has data.
    unexpected = [e for e in empty if not re.search(r"code=~|_errors_total|5xx", e)]
    assert not unexpected, unexpected
