"""The table of the shared cache (CACHES["default"] when REDIS_URL is not set), made by `migrate`
so that no deployment needs a step of its own for it. It is made whichever cache is in use, so
that unsetting REDIS_URL later needs nothing either."""

from django.core.management import call_command
from django.db import migrations

TABLE = "django_cache"


def create_table(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_table, drop_table)]
