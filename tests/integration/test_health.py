"""/readyz names the tables `migrate` makes that the database lacks."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from events.broker import begin_drain, forget_drain

pytestmark = [pytest.mark.django_db, pytest.mark.orm]

# The migration that makes the cache tables; its module name starts with a digit.
cache_table_migration = importlib.import_module("meetings.migrations.0002_cache_table")


def drop_table(name: str) -> None:
    # Inside the test's transaction: rolled back after it, as SQLite and
    # PostgreSQL roll back DDL.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(name)}")


def test_readyz_is_ready_when_every_table_is_there(client, memory_store):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"store": "ok", "database": "ok"},
    }


def test_readyz_answers_503_naming_the_dropped_cache_table_until_it_is_made(
    client, memory_store
):
    drop_table("meetstream_cache")

    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json() == {
        "status": "unavailable",
        "checks": {"store": "ok", "database": "missing tables: meetstream_cache"},
    }

    # Its connection is all the migration reads of the schema editor.
    schema_editor = SimpleNamespace(connection=connection)
    cache_table_migration.create_cache_tables(apps, schema_editor)
    assert client.get("/readyz").status_code == 200


def test_readyz_names_every_missing_table_in_order(client, memory_store):
    drop_table("meetstream_cache")
    drop_table("django_session")

    assert client.get("/readyz").json()["checks"]["database"] == (
        "missing tables: django_session, meetstream_cache"
    )


@pytest.fixture
def draining():
    begin_drain()
    yield
    forget_drain()


def test_readyz_takes_a_draining_process_out_of_rotation(
    client, memory_store, draining
):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["status"] == "draining"
    metrics = client.get("/metrics").content.decode()
    assert "meetstream_draining 1.0" in metrics
