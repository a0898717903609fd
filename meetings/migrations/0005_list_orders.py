"""The search index's keys for the list's orders by scheduled start and last update.

Each order pages by a keyset over (date, meeting id): one owner's meetings
through (owner_id, date, meeting_id), everyone's (staff) through (date,
meeting_id). Plain B-tree indexes, alike on SQLite and PostgreSQL.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_search_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["owner_id", "scheduled_start", "meeting_id"],
                name="search_owner_scheduled",
            ),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["owner_id", "updated_at", "meeting_id"],
                name="search_owner_updated",
            ),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["scheduled_start", "meeting_id"], name="search_scheduled"
            ),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["updated_at", "meeting_id"], name="search_updated"
            ),
        ),
    ]
