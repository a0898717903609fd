"""Create the database cache's tables, where the create quotas are counted.

settings.CACHES names them (DatabaseCache), so `migrate` alone makes a database
the app can serve from. `createcachetable` skips a table that exists, so this
does no harm where an earlier deployment ran it by hand.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor) -> None:
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        # Backwards leaves the table: it holds only counts that expire, and a
        # second run forwards finds it there.
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
