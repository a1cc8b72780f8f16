"""The database keeps a payout in the one file it was written to.

``Payout.batch`` is a single column, so a payout cannot be in two batches at once; these
triggers also refuse moving it to another batch (or out of one) once set, and refuse changing
a batch's file once written. Both PostgreSQL and SQLite enforce it (UPDATE only: the test
runner's table flush uses DELETE/TRUNCATE, which production roles are not granted).
"""

from django.db import migrations

POSTGRESQL = """
CREATE OR REPLACE FUNCTION treasury_payout_batch_is_final() RETURNS trigger AS $$
BEGIN
    IF OLD.batch_id IS NOT NULL AND NEW.batch_id IS DISTINCT FROM OLD.batch_id THEN
        RAISE EXCEPTION 'payout % is already in batch %', OLD.id, OLD.batch_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER treasury_payout_batch_is_final
    BEFORE UPDATE ON treasury_payout
    FOR EACH ROW EXECUTE FUNCTION treasury_payout_batch_is_final();

CREATE OR REPLACE FUNCTION treasury_batch_file_is_final() RETURNS trigger AS $$
BEGIN
    IF NEW.file_content IS DISTINCT FROM OLD.file_content
       OR NEW.file_sha256 IS DISTINCT FROM OLD.file_sha256 THEN
        RAISE EXCEPTION 'the file of payout batch % cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER treasury_batch_file_is_final
    BEFORE UPDATE ON treasury_payoutbatch
    FOR EACH ROW EXECUTE FUNCTION treasury_batch_file_is_final();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS treasury_payout_batch_is_final ON treasury_payout;
DROP FUNCTION IF EXISTS treasury_payout_batch_is_final();
DROP TRIGGER IF EXISTS treasury_batch_file_is_final ON treasury_payoutbatch;
DROP FUNCTION IF EXISTS treasury_batch_file_is_final();
"""

SQLITE = [
    """
CREATE TRIGGER treasury_payout_batch_is_final
BEFORE UPDATE OF batch_id ON treasury_payout
FOR EACH ROW WHEN OLD.batch_id IS NOT NULL AND NEW.batch_id IS NOT OLD.batch_id
BEGIN SELECT RAISE(ABORT, 'payout is already in a batch'); END;
""",
    """
CREATE TRIGGER treasury_batch_file_is_final
BEFORE UPDATE OF file_content, file_sha256 ON treasury_payoutbatch
FOR EACH ROW WHEN NEW.file_content IS NOT OLD.file_content
    OR NEW.file_sha256 IS NOT OLD.file_sha256
BEGIN SELECT RAISE(ABORT, 'the file of a payout batch cannot change'); END;
""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS treasury_payout_batch_is_final;",
    "DROP TRIGGER IF EXISTS treasury_batch_file_is_final;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("treasury", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
