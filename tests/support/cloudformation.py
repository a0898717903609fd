"""Read a CloudFormation template as a stack would see it, parameters resolved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

AWS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "aws"
TABLE_TEMPLATE = AWS_DIR / "table.yaml"

# What a property resolves to when it is !Ref AWS::NoValue: left out.
_NO_VALUE = object()


class _TemplateLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation's short tags as their long form."""


def _intrinsic(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TABLE_TEMPLATE) -> dict[str, Any]:
    """Return the template at path, short tags (!Ref, !If…) in their long form."""
    return yaml.load(path.read_text(), Loader=_TemplateLoader)  # noqa: S506


def resolve(template: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    """Return template's resources with Ref, Fn::Equals and Fn::If worked out.

    Parameters take their defaults unless given; a property that comes to
    !Ref AWS::NoValue is left out, as CloudFormation leaves it out.
    """
    values = {
        name: parameters.get(name, spec.get("Default"))
        for name, spec in template.get("Parameters", {}).items()
    }
    conditions: dict[str, bool] = {}
    for name, condition in template.get("Conditions", {}).items():
        conditions[name] = _evaluate(condition, values, conditions)
    return _evaluate(template["Resources"], values, conditions)


def _evaluate(node: Any, values: dict[str, Any], conditions: dict[str, bool]) -> Any:
    if isinstance(node, list):
        evaluated = (_evaluate(item, values, conditions) for item in node)
        return [item for item in evaluated if item is not _NO_VALUE]
    if not isinstance(node, dict):
        return node
    if list(node) == ["Ref"]:
        name = node["Ref"]
        if name == "AWS::NoValue":
            return _NO_VALUE
        return values.get(name, node)
    if list(node) == ["Fn::Equals"]:
        left, right = (
            _evaluate(side, values, conditions) for side in node["Fn::Equals"]
        )
        return str(left) == str(right)
    if list(node) == ["Fn::If"]:
        name, when_true, when_false = node["Fn::If"]
        chosen = when_true if conditions[name] else when_false
        return _evaluate(chosen, values, conditions)
    evaluated = {
        key: _evaluate(value, values, conditions) for key, value in node.items()
    }
    return {key: value for key, value in evaluated.items() if value is not _NO_VALUE}
