"""Server processes started by tests share the test database, on any engine."""

from tests.conftest import _test_database_url


def test_a_sqlite_test_database_is_its_file():
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/tmp/test-db-1.sqlite3",
    }
    assert _test_database_url(database) == "sqlite:////tmp/test-db-1.sqlite3"


def test_a_server_test_database_keeps_database_urls_server_and_credentials(
    monkeypatch,
):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.internal:5433/app")
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "test_app"}
    assert (
        _test_database_url(database)
        == "postgres://app:secret@db.internal:5433/test_app"
    )
