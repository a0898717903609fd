"""Failed DynamoDB attempts are counted by operation and code, throttles included."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from prometheus_client import REGISTRY

from meetings.store.dynamodb.client import build_client
from meetings.store.local import free_port

THROTTLED = {
    "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
    "message": "Rate of requests exceeds the allowed throughput.",
}


class Throttling(BaseHTTPRequestHandler):
    """A DynamoDB endpoint that throttles every request."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(THROTTLED).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def errors(operation: str, code: str) -> float:
    labels = {"operation": operation, "code": code}
    return REGISTRY.get_sample_value("meetstream_dynamodb_errors_total", labels) or 0.0


@pytest.fixture
def client_at(settings):
    def build(endpoint: str):
        settings.DYNAMODB_ENDPOINT_URL = endpoint
        settings.DYNAMODB_MAX_ATTEMPTS = 1  # retries: two attempts in all
        settings.DYNAMODB_CONNECT_TIMEOUT = 0.5
        return build_client()

    return build


def test_every_throttled_attempt_is_counted(client_at):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    before = errors("GetItem", "ThrottlingException")
    try:
        client = client_at(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(ClientError):
            client.get_item(TableName="meetings", Key={"pk": {"S": "x"}})
    finally:
        server.shutdown()
    assert errors("GetItem", "ThrottlingException") - before == 2  # both attempts


def test_an_unreachable_endpoint_is_counted(client_at):
    before = errors("Query", "EndpointConnectionError")
    client = client_at(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EndpointConnectionError):
        client.query(TableName="meetings")
    assert errors("Query", "EndpointConnectionError") - before == 2
