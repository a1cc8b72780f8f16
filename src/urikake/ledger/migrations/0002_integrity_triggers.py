"""The database itself keeps the ledger append-only and (on PostgreSQL) balanced.

Both vendors: UPDATE and DELETE on ``ledger_ledgerentry`` and ``ledger_ledgerleg`` are refused
by row triggers.

PostgreSQL also gets a ``DEFERRABLE INITIALLY DEFERRED`` constraint trigger on INSERT into both
tables: at commit, every entry touched by the transaction must have at least two legs summing
to exactly 0 (an entry inserted without legs, or a leg added to an old entry, is refused).
It is deferred because an entry and its legs are separate INSERTs; the check must see them all.

SQLite has no deferred triggers, so the balance there rests on the service's domain
validation. Its DELETE triggers make one exception: while Django's ``flush`` empties the whole
database (the test runner does this between transactional tests) the connection-local function
``urikake_ledger_flushing()`` returns 1 (see :mod:`urikake.ledger.sqlite`) — the SQLite analogue
of PostgreSQL's TRUNCATE, which row triggers do not see either. A connection without that
function (e.g. the ``sqlite3`` shell) fails with "no such function": the delete is still refused.

Caution: Django rebuilds a SQLite table for most ALTERs and the rebuild drops its triggers. A
later migration that alters these tables must re-run ``SQLITE_CREATE``;
``tests/integration/ledger/test_integrity.py`` fails if a trigger is missing.
"""

from django.db import migrations

TABLES = ("ledger_ledgerentry", "ledger_ledgerleg")

PG_CREATE = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_leg_append_only
    BEFORE UPDATE OR DELETE ON ledger_ledgerleg
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    checked_id bigint;
    leg_count integer;
    leg_sum numeric;
BEGIN
    IF TG_TABLE_NAME = 'ledger_ledgerentry' THEN
        checked_id := NEW.id;
    ELSE
        checked_id := NEW.entry_id;
    END IF;
    SELECT count(*), coalesce(sum(amount), 0) INTO leg_count, leg_sum
        FROM ledger_ledgerleg WHERE entry_id = checked_id;
    IF leg_count < 2 OR leg_sum <> 0 THEN
        RAISE EXCEPTION 'ledger entry % is not balanced: % legs summing to %',
            checked_id, leg_count, leg_sum
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT ON ledger_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
CREATE CONSTRAINT TRIGGER ledger_leg_balanced
    AFTER INSERT ON ledger_ledgerleg
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS ledger_leg_balanced ON ledger_ledgerleg;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
DROP TRIGGER IF EXISTS ledger_leg_append_only ON ledger_ledgerleg;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


def _sqlite_statements() -> list[str]:
    statements = []
    for table in TABLES:
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
        )
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN NOT urikake_ledger_flushing() "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END"
        )
    return statements


SQLITE_CREATE = _sqlite_statements()
SQLITE_TRIGGERS = [f"{t}_no_{op}" for t in TABLES for op in ("update", "delete")]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
