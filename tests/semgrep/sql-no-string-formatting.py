# Samples for .semgrep/sql-no-string-formatting.yml (semgrep --test).
from django.db import connection
from django.db.models.expressions import RawSQL


def lookup(name, Model):
    with connection.cursor() as cursor:
        # ruleid: sql-no-string-formatting
        cursor.execute(f"SELECT id FROM deposit WHERE payer = '{name}'")
        # ruleid: sql-no-string-formatting
        cursor.execute("SELECT id FROM deposit WHERE payer = '%s'" % name)
        # ruleid: sql-no-string-formatting
        cursor.execute("SELECT id FROM deposit WHERE payer = '{}'".format(name))
        # ruleid: sql-no-string-formatting
        cursor.execute("SELECT id FROM deposit WHERE payer = '" + name + "'")
        # ok: sql-no-string-formatting
        cursor.execute("SELECT id FROM deposit WHERE payer = %s", [name])
    # ruleid: sql-no-string-formatting
    Model.objects.raw(f"SELECT * FROM deposit WHERE payer = '{name}'")
    # ruleid: sql-no-string-formatting
    return RawSQL(f"payer = '{name}'", [])
