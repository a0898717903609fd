"""Schema fuzzing with schemathesis against a real server on DynamoDB Local.

CI runs a bounded number of examples per operation; the full run is
SCHEMATHESIS_MAX_EXAMPLES=100 scripts/test tests/system/test_schema_fuzz.py
(over 1,000 generated cases, see docs/testing.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import access_token_for

pytestmark = pytest.mark.system

# What every response must satisfy. Left out: positive_data_acceptance, which
# expects every schema-valid request to succeed; ours rightly refuse forged
# cursors (400), stale If-Match versions (412) and lifecycle violations (409).
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
    ]
)


# The live streams (/v1/meetings/{id}/events, /v1/events) are in the schema
# for /v1/docs, but a 200 is a stream that stays open for up to SSE_MAX_LIFETIME:
# every valid case would hang the run. tests/integration/test_events.py covers them.
STREAMS = r"/events$"


def test_generated_requests_get_no_5xx_and_only_documented_responses(
    start_server, alice, tmp_path
):
    # The fuzzer is one script sending far more than a person: the per-user
    # rate limits (tested in test_api_throttles.py) would answer it 429.
    asgi_server = start_server(API_READ_RATE="", API_WRITE_RATE="")
    examples = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10")
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{asgi_server.url}/v1/schema",
        "--header", f"Authorization: Bearer {access_token_for(alice)}",
        "--max-examples", examples,
        "--checks", CHECKS,
        "--warnings", "off",
        "--report-dir", str(tmp_path),
        "--exclude-path-regex", STREAMS,
    ]  # fmt: skip
    if seed := os.environ.get("SCHEMATHESIS_SEED"):
        command += ["--seed", seed]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    generated = re.search(r"(\d+) generated", output)
    assert generated and int(generated.group(1)) > 0, output[-2000:]
    print(f"schemathesis: {generated.group(0)} cases, no failures")
