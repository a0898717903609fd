"""Fixtures shared by every test: users, DynamoDB backends, API clients."""

from __future__ import annotations

import functools
import logging
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test.utils import override_settings
from moto import mock_aws
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from meetings.store import memory
from meetings.store.dynamodb import DynamoDBRepository
from meetings.store.dynamodb.client import get_client, reset_client
from meetings.store.dynamodb.schema import ensure_table
from meetings.store.local import DynamoDBLocal, free_port
from tests.support.nginx import collect_static

# One line per HTTP request drowns the output of failing tests.
logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture(scope="session", autouse=True)
def _plain_static_names():
    """Render pages in the test process under plain static names.

    The hashed names come from collectstatic's manifest, which the test
    process does not need; the servers it starts use them (collected_static).
    """
    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
    with override_settings(STORAGES={"staticfiles": {"BACKEND": plain}}):
        yield


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The static files collected once a session from this checkout, hashed."""
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture(scope="session")
def dynamodb_local():
    """A DynamoDB Local in memory on a free port, for the whole session."""
    server = DynamoDBLocal(free_port()).start()
    yield server
    server.stop()


DYNAMODB_STORE = "meetings.store.dynamodb"


def _fresh_table_name() -> str:
    return f"meetings-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def memory_store(settings):
    """Point the app at the in-memory backend with a fresh table."""
    settings.MEETINGS_STORE = "meetings.store.memory"
    settings.DYNAMODB_TABLE = table = _fresh_table_name()
    memory.repository(table).ensure_schema()
    yield table
    memory.drop_table(table)


def _use_dynamodb(settings, endpoint_url: str, credentials: dict) -> str:
    # Whatever MEETINGS_STORE the environment or .env names.
    settings.MEETINGS_STORE = DYNAMODB_STORE
    table = _fresh_table_name()
    settings.DYNAMODB_ENDPOINT_URL = endpoint_url
    settings.DYNAMODB_CREDENTIALS = credentials
    settings.DYNAMODB_TABLE = table
    reset_client()
    ensure_table(get_client(), table, timeout=30)
    return table


@pytest.fixture
def moto_table(settings, monkeypatch):
    """Point the app at an in-process moto DynamoDB with a fresh table."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield _use_dynamodb(settings, "", {})
    reset_client()


@pytest.fixture
def local_table(settings, dynamodb_local):
    """Point the app at the session's DynamoDB Local with a fresh table."""
    credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    yield _use_dynamodb(settings, dynamodb_local.endpoint_url, credentials)
    reset_client()


@pytest.fixture(params=["moto", "dynamodb_local"])
def table(request):
    """A fresh DynamoDB table: moto for speed, DynamoDB Local for truth."""
    name = "moto_table" if request.param == "moto" else "local_table"
    return request.getfixturevalue(name)


def raw_client(settings):
    """A boto3 client of the configured DynamoDB, independent of the app's."""
    return boto3.client(
        "dynamodb",
        region_name=settings.AWS_REGION,
        endpoint_url=settings.DYNAMODB_ENDPOINT_URL or None,
        **settings.DYNAMODB_CREDENTIALS,
    )


MEETING_ACTIONS = ("view", "add", "change", "delete")


@pytest.fixture
def make_user(db):
    """Return a maker of users; perms names meeting actions, e.g. ("view",)."""

    def make(
        username: str,
        *,
        is_staff: bool = False,
        password: str = "pw-12345678",
        perms: tuple[str, ...] = (),
    ):
        user = get_user_model().objects.create_user(
            username=username, password=password, is_staff=is_staff
        )
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="meetings",
                codename__in=[f"{action}_meetingrecord" for action in perms],
            )
        )
        return user

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def staff(make_user):
    """A staff member who may view, change and delete everyone's meetings."""
    return make_user("sam", is_staff=True, perms=MEETING_ACTIONS)


def access_token_for(user) -> str:
    refresh: RefreshToken = RefreshToken.for_user(user)
    return str(refresh.access_token)


@pytest.fixture
def client_for():
    """Return an API client that sends a bearer token for user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
        return client

    return make


@pytest.fixture
def local_repository(local_table, settings) -> DynamoDBRepository:
    """The repository on DynamoDB Local only: moto's writes are not atomic."""
    return DynamoDBRepository(settings.DYNAMODB_TABLE)


@pytest.fixture
def server_env(settings, local_table, collected_static) -> dict[str, str]:
    """Environment for a server process sharing this test's table and database.

    It serves the static files as this checkout has them now, collected for
    the session (not var/static, which scripts/setup refreshes).
    """
    return {
        "MEETINGS_STORE": DYNAMODB_STORE,
        "DJANGO_STATIC_ROOT": str(collected_static),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": _test_database_url(settings.DATABASES["default"]),
        "DYNAMODB_ENDPOINT_URL": settings.DYNAMODB_ENDPOINT_URL,
        "DYNAMODB_TABLE": settings.DYNAMODB_TABLE,
        "DJANGO_SECURE_COOKIES": "false",
        "SSE_POLL_INTERVAL": "0.5",
        "SSE_KEEPALIVE_INTERVAL": "2",
    }


def _test_database_url(database: dict) -> str:
    """Return a URL of the test database: the file, or DATABASE_URL's server."""
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path=f"/{database['NAME']}"))


@pytest.fixture
def start_server(transactional_db, server_env):
    """Start servers with settings overridden, e.g. start_server(SSE_MAX_LIFETIME=2):
    uvicorn, or gunicorn with gunicorn=True; SIGKILLed after the test."""
    from tests.support.live import LiveServer

    started: list[LiveServer] = []

    def start(*, gunicorn: bool = False, **overrides) -> LiveServer:
        env = {**server_env, **{name: str(v) for name, v in overrides.items()}}
        server = LiveServer(env, gunicorn=gunicorn).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


@pytest.fixture
def asgi_server(start_server):
    """A running uvicorn server on DynamoDB Local; SIGKILLed after the test."""
    return start_server()


@pytest.fixture
def servers(start_server):
    """Start gunicorn servers sharing the test's table and database."""
    return functools.partial(start_server, gunicorn=True)


@pytest.fixture
def own_dynamodb(settings, tmp_path):
    """A DynamoDB Local of the test's own, on disk so it survives a restart.

    Settings point at it, with the test's table created; stop() and start()
    it to stage an outage.
    """
    server = DynamoDBLocal(free_port(), db_path=tmp_path / "ddb").start()
    settings.MEETINGS_STORE = DYNAMODB_STORE
    settings.DYNAMODB_ENDPOINT_URL = server.endpoint_url
    settings.DYNAMODB_CREDENTIALS = {
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    reset_client()
    ensure_table(get_client(), settings.DYNAMODB_TABLE, timeout=30)
    yield server
    server.stop()
    reset_client()
