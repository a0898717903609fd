"""The search index: its entries, its jobs' leases, and each engine's text index.

On SQLite an FTS5 table with the trigram tokenizer follows the entries' titles
(external content, kept by triggers); on PostgreSQL pg_trgm and a GIN index of
the upper-cased titles, which Django's icontains uses. Each engine's part runs
on that engine only (meetings/search/ explains the choice).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE meetings_searchentry_fts USING fts5(title, "
    "content='meetings_searchentry', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER meetings_searchentry_fts_insert "
    "AFTER INSERT ON meetings_searchentry BEGIN "
    "INSERT INTO meetings_searchentry_fts(rowid, title) VALUES (new.id, new.title); "
    "END",
    "CREATE TRIGGER meetings_searchentry_fts_delete "
    "AFTER DELETE ON meetings_searchentry BEGIN "
    "INSERT INTO meetings_searchentry_fts(meetings_searchentry_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER meetings_searchentry_fts_update "
    "AFTER UPDATE OF title ON meetings_searchentry BEGIN "
    "INSERT INTO meetings_searchentry_fts(meetings_searchentry_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); "
    "INSERT INTO meetings_searchentry_fts(rowid, title) VALUES (new.id, new.title); "
    "END",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS meetings_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS meetings_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS meetings_searchentry_fts_insert",
    "DROP TABLE IF EXISTS meetings_searchentry_fts",
]
POSTGRESQL_FORWARDS = [
    "CREATE INDEX search_title_trgm ON meetings_searchentry "
    "USING gin (upper(title) gin_trgm_ops)"
]
POSTGRESQL_BACKWARDS = ["DROP INDEX IF EXISTS search_title_trgm"]


def on(vendor: str, statements: list[str]):
    """Return a RunPython function that runs statements on vendor's databases only."""

    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == vendor:
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_quota_window"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchLease",
            fields=[
                (
                    "name",
                    models.CharField(max_length=50, primary_key=True, serialize=False),
                ),
                ("holder", models.CharField(blank=True, max_length=100)),
                ("expires_at", models.DateTimeField()),
                ("progress", models.JSONField(default=dict)),
            ],
            options={
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("meeting_id", models.UUIDField(unique=True)),
                ("owner_id", models.CharField(max_length=64)),
                ("status", models.CharField(blank=True, max_length=20)),
                ("title", models.CharField(blank=True, max_length=200)),
                ("scheduled_start", models.DateTimeField(null=True)),
                ("created_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("version", models.BigIntegerField()),
                ("deleted", models.BooleanField(default=False)),
            ],
            options={
                "default_permissions": (),
                "indexes": [
                    models.Index(
                        fields=["owner_id", "created_at"], name="search_owner_created"
                    ),
                    models.Index(fields=["created_at"], name="search_created"),
                    models.Index(
                        condition=models.Q(("deleted", True)),
                        fields=["updated_at"],
                        name="search_tombstones",
                    ),
                ],
            },
        ),
        migrations.RunPython(
            on("sqlite", SQLITE_FORWARDS), on("sqlite", SQLITE_BACKWARDS)
        ),
        # CreateExtension does nothing on other databases.
        TrigramExtension(),
        migrations.RunPython(
            on("postgresql", POSTGRESQL_FORWARDS),
            on("postgresql", POSTGRESQL_BACKWARDS),
        ),
    ]
