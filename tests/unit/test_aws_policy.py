"""deploy/aws/ policies allow exactly the DynamoDB actions the code can call.

The operations come from the source, not from a list: every `call("X", …)`
(the store's one door to boto3), every `call(TABLE[…])` of a module-level
dict of names, and every direct client method call (`client.describe_table`).
A new operation fails the test until the policy allows it, and an action no
code calls any more fails it until the policy drops it.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[2]
SERVERS_POLICY = ROOT / "deploy" / "aws" / "policy.json"
OPERATORS_POLICY = ROOT / "deploy" / "aws" / "operator-policy.json"
APP_PACKAGES = ("meetings", "events", "accounts", "shared", "config")
TABLE_ARN = "arn:aws:dynamodb:*:*:table/meetings"
INDEX_ARN = f"{TABLE_ARN}/index/*"
# Run only by `manage.py ensure_table`, `recount_statuses` and
# `rebuild_search_index`, from a deploy host or an operator's shell, never
# while serving a request: what they alone call goes to operator-policy.json.
OPERATOR_FUNCTIONS = {
    ("meetings.store.dynamodb.schema", "ensure_table"),
    ("meetings.store.dynamodb.schema", "_ensure_time_to_live"),
    ("meetings.store.dynamodb.schema", "_wait_until_active"),
    ("meetings.store.dynamodb.counts", "recount"),
    ("meetings.store.dynamodb.scan", "scan"),
}
# IAM has no transaction actions: each item of a TransactWriteItems needs the
# action of its kind (docs: "Using IAM with DynamoDB transactions").
TRANSACT_WRITE_KINDS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# boto3's method names of DynamoDB's operations: describe_table -> DescribeTable.
OPERATIONS = {
    xform_name(name): name
    for name in botocore.session.get_session()
    .get_service_model("dynamodb")
    .operation_names
}


@dataclass(frozen=True)
class Call:
    """One place in the code that calls a DynamoDB operation."""

    operation: str
    module: str
    function: str
    actions: frozenset[str]

    @property
    def by_operator(self) -> bool:
        return (self.module, self.function) in OPERATOR_FUNCTIONS


class _Collector(ast.NodeVisitor):
    def __init__(self, tree: ast.Module, module: str):
        self.module = module
        self.scope: list[str] = []
        self.calls: list[tuple[str, str]] = []
        self.name_tables = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        self.transact_kinds = {
            key.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Dict)
            for key in node.keys
            if isinstance(key, ast.Constant) and key.value in TRANSACT_WRITE_KINDS
        }

    def _scoped(self, node: ast.AST) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _scoped

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        name = getattr(function, "attr", getattr(function, "id", None))
        if name == "call":
            argument = node.args[0] if node.args else None
            for operation in self._operations_of(argument, node):
                self.calls.append((operation, ".".join(self.scope)))
        elif name in OPERATIONS and _is_client(getattr(function, "value", None)):
            self.calls.append((OPERATIONS[name], ".".join(self.scope)))
        elif (
            name == "getattr"
            and node.args
            and _is_client(node.args[0])
            # Only the dispatcher may pick a method by name: its callers name
            # the operation, and are collected above.
            and self.scope[-1:] != ["call"]
        ):
            raise ValueError(self._where(node, "a client method picked by name"))
        self.generic_visit(node)

    def _operations_of(self, argument: ast.expr | None, node: ast.Call) -> list[str]:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return [argument.value]
        if (
            isinstance(argument, ast.Subscript)
            and isinstance(argument.value, ast.Name)
            and argument.value.id in self.name_tables
        ):
            return [
                value.value
                for value in self.name_tables[argument.value.id].values
                if isinstance(value, ast.Constant)
            ]
        raise ValueError(self._where(node, "an operation this scan cannot name"))

    def _where(self, node: ast.AST, what: str) -> str:
        return f"{self.module}:{node.lineno}: {what}; name it with a literal"


def _is_client(node: ast.expr | None) -> bool:
    """Whether node looks like a boto3 client: client, self.client, self._client."""
    name = getattr(node, "attr", getattr(node, "id", ""))
    return isinstance(name, str) and name.endswith("client")


def collect_calls(source: str, module: str) -> list[Call]:
    """Return every DynamoDB operation the module's source calls, and where."""
    tree = ast.parse(source)
    collector = _Collector(tree, module)
    collector.visit(tree)
    calls = []
    for operation, function in collector.calls:
        if operation == "TransactWriteItems":
            if not collector.transact_kinds:
                raise ValueError(f"{module}: a transaction of items of no known kind")
            actions = {TRANSACT_WRITE_KINDS[kind] for kind in collector.transact_kinds}
        elif operation == "TransactGetItems":
            actions = {"GetItem"}
        elif operation == "ExecuteStatement":
            # PartiQL's own actions; the code's statements are all SELECTs.
            actions = {"PartiQLSelect"}
        else:
            actions = {operation}
        calls.append(
            Call(
                operation,
                module,
                function,
                frozenset(f"dynamodb:{action}" for action in actions),
            )
        )
    return calls


def app_sources() -> dict[str, str]:
    """Return the source of every module of the apps, by dotted name."""
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path.read_text()
        for package in APP_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def app_calls(sources: dict[str, str] | None = None) -> list[Call]:
    sources = app_sources() if sources is None else sources
    return [
        call
        for module, source in sources.items()
        for call in collect_calls(source, module)
    ]


def needed_actions(calls: list[Call]) -> tuple[set[str], set[str]]:
    """Return the actions the servers need, and those only operators need."""
    servers = {
        action for call in calls if not call.by_operator for action in call.actions
    }
    everything = {action for call in calls for action in call.actions}
    return servers, everything - servers


def policy_actions(path: Path) -> set[str]:
    policy = json.loads(path.read_text())
    return {
        action
        for statement in policy["Statement"]
        for action in _as_list(statement["Action"])
    }


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_the_code_calls_the_operations_we_know_of():
    # A sanity check of the scan itself, so that a scan finding nothing
    # cannot pass against an empty policy.
    operations = {call.operation for call in app_calls()}

    assert {"GetItem", "Query", "TransactWriteItems", "DescribeTable"} <= operations
    assert {"CreateTable", "UpdateTimeToLive", "Scan"} <= operations


def test_the_servers_policy_allows_exactly_what_serving_calls():
    servers, _ = needed_actions(app_calls())

    assert policy_actions(SERVERS_POLICY) == servers


def test_the_operators_policy_allows_exactly_what_only_they_call():
    _, operators = needed_actions(app_calls())

    assert policy_actions(OPERATORS_POLICY) == operators


@pytest.mark.parametrize("path", [SERVERS_POLICY, OPERATORS_POLICY])
def test_policies_allow_on_the_placeholder_table_and_its_indexes_only(path):
    policy = json.loads(path.read_text())

    assert policy["Version"] == "2012-10-17"
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert set(_as_list(statement["Resource"])) <= {TABLE_ARN, INDEX_ARN}
        if INDEX_ARN in _as_list(statement["Resource"]):
            # Only reads go through an index (a Query, or the change index's
            # PartiQL SELECT); the app queries nothing else.
            reads = {"dynamodb:Query", "dynamodb:PartiQLSelect"}
            assert set(_as_list(statement["Action"])) <= reads


def test_operator_helpers_are_called_by_operator_functions_only():
    helpers = {name for _, name in OPERATOR_FUNCTIONS if name.startswith("_")}
    for module, source in app_sources().items():
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef):
                continue
            called = {
                getattr(node.func, "id", getattr(node.func, "attr", None))
                for node in ast.walk(function)
                if isinstance(node, ast.Call)
            }
            if called & helpers:
                assert (module, function.name) in OPERATOR_FUNCTIONS


def test_an_operation_added_to_the_store_fails_against_the_policy():
    sources = app_sources()
    sources["meetings.store.dynamodb.items"] += (
        "\n\ndef forget_everything(table):\n"
        '    table.call("Scan2", TableName="meetings")\n'
    )
    servers, _ = needed_actions(app_calls(sources))

    assert servers - policy_actions(SERVERS_POLICY) == {"dynamodb:Scan2"}


def test_an_action_no_code_calls_any_more_fails_against_the_policy():
    sources = app_sources()
    client = "meetings.store.dynamodb.client"
    sources[client] = sources[client].replace('"BatchGetItem"', '"GetItem"')
    servers, _ = needed_actions(app_calls(sources))

    assert policy_actions(SERVERS_POLICY) - servers == {"dynamodb:BatchGetItem"}


def test_direct_client_calls_and_transaction_kinds_are_collected():
    source = (
        "def purge(client, keys):\n"
        "    client.batch_write_item(RequestItems={})\n"
        "    client.meta.events.register('x', print)\n"
        "\n"
        "class Repository:\n"
        "    def check(self):\n"
        "        self.call('TransactWriteItems', TransactItems=[\n"
        "            {'ConditionCheck': {'TableName': 't'}}])\n"
    )
    calls = collect_calls(source, "example")

    assert {(call.function, call.operation) for call in calls} == {
        ("purge", "BatchWriteItem"),
        ("Repository.check", "TransactWriteItems"),
    }
    assert set().union(*(call.actions for call in calls)) == {
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    }


@pytest.mark.parametrize(
    "source",
    [
        "def f(self, name):\n    self.call(name)\n",
        "def f(self):\n    getattr(self.client, 'scan')()\n",
    ],
)
def test_an_operation_the_scan_cannot_name_is_an_error(source):
    with pytest.raises(ValueError, match="name it with a literal"):
        collect_calls(source, "example")
