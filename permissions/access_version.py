"""The access version: a counter the database raises whenever anything that decides visibility changes.

Statement triggers on the tables below upsert row 1 of permissions_accessversion in the writer's own
transaction, so the new value becomes visible exactly when the change does, whoever wrote it (services, admin,
bulk imports, raw SQL). Readers take the value *before* reading the data they cache under it: a reader that
raced a commit can only have stored newer data under the older value, never older data under the newer one.

The triggers are (re)installed after every migrate and flush (post_migrate), so a later migration that
rebuilds one of these tables (SQLite remakes tables on ALTER) cannot silently drop them.
"""

from __future__ import annotations

from django.db import connection

WATCHED_TABLES = (
    "permissions_grant",
    "permissions_inheritanceoptout",
    "agreements_licensingid",
    "agreements_agreementcontact",
    "agreements_organization",  # its name shows in the agreements list
)

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION permissions_bump_access_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO permissions_accessversion (id, value) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET value = permissions_accessversion.value + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
_POSTGRES_TRIGGER = """
CREATE OR REPLACE TRIGGER permissions_access_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION permissions_bump_access_version();
"""
# SQLite (the demo) has row triggers only; the row is ensured below, so a plain UPDATE suffices.
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS permissions_access_version_{table}_{event}
    AFTER {event} ON {table}
    BEGIN UPDATE permissions_accessversion SET value = value + 1 WHERE id = 1; END;
"""


def install(using=connection) -> None:
    with using.cursor() as cursor:
        cursor.execute("INSERT INTO permissions_accessversion (id, value) VALUES (1, 1) ON CONFLICT (id) DO NOTHING")
        if using.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION)
            for table in WATCHED_TABLES:
                cursor.execute(_POSTGRES_TRIGGER.format(table=table))
        elif using.vendor == "sqlite":
            for table in WATCHED_TABLES:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(_SQLITE_TRIGGER.format(table=table, event=event))


def install_after_migrate(sender, using, **kwargs) -> None:
    from django.db import connections

    install(connections[using])


def current() -> int:
    """The committed access version (0 before the first install): one indexed single-row read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM permissions_accessversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0
