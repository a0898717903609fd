"""deploy/aws/table.yaml describes the table ensure_table creates, index by index."""

import uuid
from typing import Any

import boto3
import pytest

from meetings.store.dynamodb.schema import ensure_table
from tests.support.cloudformation import load_template, resolve

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def made(dynamodb_local) -> dict[str, Any]:
    """DescribeTable and DescribeTimeToLive of a fresh table ensure_table made."""
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=dynamodb_local.endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    name = f"meetings-{uuid.uuid4().hex[:12]}"
    ensure_table(client, name, timeout=30)
    return {
        "table": client.describe_table(TableName=name)["Table"],
        "ttl": client.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
    }


@pytest.fixture
def described(made) -> dict[str, Any]:
    return made["table"]


@pytest.fixture
def template_table() -> dict[str, Any]:
    """The table's properties as the template's defaults deploy it."""
    return resolve(load_template())["MeetingsTable"]["Properties"]


def attribute_definitions(table: dict[str, Any]) -> dict[str, str]:
    return {
        definition["AttributeName"]: definition["AttributeType"]
        for definition in table["AttributeDefinitions"]
    }


def indexes(table: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Return each index's key schema and projection, by name."""
    return {
        index["IndexName"]: {
            "KeySchema": index["KeySchema"],
            "ProjectionType": index["Projection"]["ProjectionType"],
            "NonKeyAttributes": sorted(index["Projection"].get("NonKeyAttributes", [])),
        }
        for index in table.get(kind, [])
    }


def test_same_attribute_definitions(template_table, described):
    assert attribute_definitions(described) == attribute_definitions(template_table)


def test_same_key_schema(template_table, described):
    assert described["KeySchema"] == template_table["KeySchema"]


@pytest.mark.parametrize("kind", ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"])
def test_same_indexes_with_the_same_keys_and_projections(
    template_table, described, kind
):
    created, declared = indexes(described, kind), indexes(template_table, kind)

    assert sorted(created) == sorted(declared)
    for name, index in created.items():
        assert (name, index) == (name, declared[name])


def test_same_billing_mode(template_table, described):
    billing_mode = described["BillingModeSummary"]["BillingMode"]

    assert billing_mode == template_table["BillingMode"]


def test_same_time_to_live(template_table, made):
    ttl = made["ttl"]

    assert template_table["TimeToLiveSpecification"] == {
        "AttributeName": ttl["AttributeName"],
        "Enabled": ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING"),
    }
