"""deploy/aws/table.yaml passes cfn-lint and keeps the table safe to operate."""

import subprocess
import sys
from pathlib import Path

from tests.support.cloudformation import TABLE_TEMPLATE, load_template, resolve

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def test_cfn_lint_finds_nothing_in_the_table_template():
    result = subprocess.run(
        [CFN_LINT, "--", TABLE_TEMPLATE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_table_survives_its_stack_and_a_bad_day():
    template = load_template()
    (table,) = template["Resources"].values()
    properties = resolve(template)["MeetingsTable"]["Properties"]

    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    assert properties["TableName"] == "meetings"
    assert set(template["Outputs"]) == {"TableName", "TableArn"}


def test_on_demand_by_default_with_no_capacities():
    properties = resolve(load_template())["MeetingsTable"]["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in properties
    for index in properties["GlobalSecondaryIndexes"]:
        assert "ProvisionedThroughput" not in index


def test_provisioned_gives_the_table_and_every_index_their_capacities():
    # CloudFormation refuses a provisioned table with an index lacking them.
    properties = resolve(
        load_template(),
        BillingMode="PROVISIONED",
        ReadCapacityUnits=10,
        WriteCapacityUnits=20,
        IndexReadCapacityUnits=30,
        IndexWriteCapacityUnits=40,
    )["MeetingsTable"]["Properties"]

    assert properties["BillingMode"] == "PROVISIONED"
    assert properties["ProvisionedThroughput"] == {
        "ReadCapacityUnits": 10,
        "WriteCapacityUnits": 20,
    }
    for index in properties["GlobalSecondaryIndexes"]:
        assert index["ProvisionedThroughput"] == {
            "ReadCapacityUnits": 30,
            "WriteCapacityUnits": 40,
        }
