"""Create the database cache table as part of ``urikake migrate``.

Login (rate limits, allauth) needs the cache from the first request; a database made with
``migrate`` alone used to answer 500 until ``createcachetable`` was also run. Django's command
is idempotent (an existing table is left alone) and does nothing when the cache is Redis.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("system", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
