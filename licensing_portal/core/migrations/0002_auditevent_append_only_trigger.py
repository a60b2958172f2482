"""AuditEvent rows are append-only in the database itself, whatever the application code does (PERM-11).

UPDATE and DELETE raise, except the UPDATE a foreign key's ON DELETE SET NULL makes when a user or licensing ID
is deleted: actor/licensing_id may only turn NULL, every other column must stay as it was (actor_email keeps
who acted). TRUNCATE (test-database flushes, operator maintenance) is not a row trigger and stays possible.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
       AND (NEW.licensing_id_id IS NULL OR NEW.licensing_id_id IS NOT DISTINCT FROM OLD.licensing_id_id)
       AND (NEW.id, NEW.created_at, NEW.actor_email, NEW.verb, NEW.target_email, NEW.before, NEW.after,
            NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.created_at, OLD.actor_email, OLD.verb, OLD.target_email, OLD.before, OLD.after,
            OLD.detail)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'core_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no params: the "%" in RAISE is PL/pgSQL's
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
