"""/readyz and /metrics answer operators' addresses only; /healthz anyone."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def from_address():
    def client(address: str) -> Client:
        return Client(REMOTE_ADDR=address)

    return client


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
@pytest.mark.parametrize("address", ["203.0.113.9", "2001:db8::1"])
def test_a_public_address_is_refused(path, address, from_address, memory_store):
    response = from_address(address).get(path)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "::1"])
def test_loopback_and_private_addresses_are_answered(
    address, from_address, memory_store
):
    assert from_address(address).get("/metrics").status_code == 200


def test_the_networks_come_from_settings(settings, from_address, memory_store):
    settings.OPERATOR_NETWORKS = ["203.0.113.0/24"]
    assert from_address("203.0.113.9").get("/metrics").status_code == 200
    assert from_address("127.0.0.1").get("/metrics").status_code == 403


def test_healthz_stays_open(from_address):
    assert from_address("203.0.113.9").get("/healthz").status_code == 200
