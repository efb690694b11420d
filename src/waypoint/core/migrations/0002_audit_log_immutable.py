"""Audit entries cannot be rewritten, even by a bulk UPDATE that skips model signals.

The one update allowed is the one Django makes when a person's account is deleted: the actor
becomes NULL and nothing else changes (the copied actor_email keeps who it was). SQLite and
PostgreSQL each get a trigger. A later auditlog migration that rebuilds the table on SQLite
would drop the trigger: tests/core/test_audit.py proves it is still there.
"""

from django.db import migrations

CONTENT_COLUMNS = [
    "content_type_id", "object_pk", "object_id", "object_repr", "serialized_data", "action",
    "changes_text", "changes", "cid", "remote_addr", "remote_port", "timestamp",
    "additional_data", "actor_email",
]
MESSAGE = "Audit entries cannot be changed."

SQLITE_CREATE = f"""
CREATE TRIGGER waypoint_logentry_immutable BEFORE UPDATE ON auditlog_logentry FOR EACH ROW
WHEN NOT (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND
          {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in CONTENT_COLUMNS)})
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS waypoint_logentry_immutable;"

_new = ", ".join(f"NEW.{c}" for c in CONTENT_COLUMNS)
_old = ", ".join(f"OLD.{c}" for c in CONTENT_COLUMNS)
POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION waypoint_logentry_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
     AND ROW({_new}) IS NOT DISTINCT FROM ROW({_old}) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER waypoint_logentry_immutable BEFORE UPDATE ON auditlog_logentry
FOR EACH ROW EXECUTE FUNCTION waypoint_logentry_immutable();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS waypoint_logentry_immutable ON auditlog_logentry;
DROP FUNCTION IF EXISTS waypoint_logentry_immutable();
"""


def _run(schema_editor, sql_by_vendor):  # type: ignore[no-untyped-def]
    sql = sql_by_vendor.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    _run(schema_editor, {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE})


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(create, drop)]
