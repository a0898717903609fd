"""Where meetings are kept: one backend, chosen by the MEETINGS_STORE setting.

As SESSION_ENGINE names a session backend, MEETINGS_STORE names a module of
this package that has a `repository(table_name)` function returning an object
with the contract of meetings.domain.Repository, built on base.StoreBase:

- `meetings.store.dynamodb` (the default): DynamoDB, or DynamoDB Local.
- `meetings.store.memory`: one process's memory, for tests and a quick look.

The table's name is settings.DYNAMODB_TABLE, whichever the backend; the
backends themselves read no setting for it. Only meetings.services calls
get_repository(); the ways in never do.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType

from django.conf import settings

from ..domain import Repository


def get_repository() -> Repository:
    """Return the repository of the configured backend and table."""
    return _backend(settings.MEETINGS_STORE).repository(settings.DYNAMODB_TABLE)


@cache
def _backend(name: str) -> ModuleType:
    return import_module(name)
