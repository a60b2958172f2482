# ruff: noqa: S608 - SQL built from the constant key expressions and table names below
"""Access namespaces: per-email, per-licensing-ID and per-organisation counters the database raises, in the
writer's own transaction, whenever something that decides who sees what changes (issue 13, STYLE "Caches keyed
narrowly", pretix-style cache namespaces).

A write bumps only the namespaces it touches: a grant or opt-out bumps `e:<its email>` and `l:<its licensing
ID>`; a contact the same; a licensing ID bumps `l:<itself>`, `l:<its parent>` (the parent's inheritors list it)
and `o:<its organisation>`; an organisation bumps `o:<itself>`; TRUNCATE bumps `*`, which every reader includes.
Writers in different organisations therefore touch different rows and never wait on each other (the single
global version row this replaces serialised them: issue 13 measured 1,699 ms behind a 2 s transaction).

A cached page is keyed on a digest of the namespaces it depends on (`permissions.access.viewer_stamp`,
`licensing_id_with_roles`), read *before* the data cached under it: a reader that raced a commit can only have
stored newer data under an older digest, never older data under the newer one. The time bound is part of each
digest too (the next `ends_at` still ahead among the grants the page depends on), so no grant survives its end
in a cache although no write happens then.

PostgreSQL: statement-level triggers with transition tables (one upsert per statement, keys in sorted order so
two writers sharing a key cannot deadlock). SQLite (the demo): row triggers. Both are (re)installed after every
migrate and flush (post_migrate).
"""

from __future__ import annotations

from django.db import connection

# The key expressions of one row ({r} is the row alias) of each watched table.
KEYS = {
    "permissions_grant": ("'e:' || {r}.email", "'l:' || {r}.licensing_id_id"),
    "permissions_inheritanceoptout": ("'e:' || {r}.email", "'l:' || {r}.licensing_id_id"),
    "agreements_agreementcontact": ("'e:' || {r}.email", "'l:' || {r}.licensing_id_id"),
    "agreements_licensingid": ("'l:' || {r}.id", "'l:' || {r}.parent_id", "'o:' || {r}.organization_id"),
    "agreements_organization": ("'o:' || {r}.id",),  # its name shows in the agreements list
}
WATCHED_TABLES = tuple(KEYS)
TABLE = "permissions_accessnamespace"

_UPSERT = (
    f"INSERT INTO {TABLE} (key, value) SELECT k, 1 FROM ({{keys}}) AS bumped (k) WHERE k IS NOT NULL "  # noqa: S608
    "GROUP BY k ORDER BY k ON CONFLICT (key) DO UPDATE SET value = " + TABLE + ".value + 1"
)


def _keys_of(table: str, relation: str, alias: str) -> str:
    return " UNION ALL ".join(f"SELECT {key.format(r=alias)} FROM {relation} {alias}" for key in KEYS[table])


_PG_EVENTS = {"INSERT": ("new_rows",), "UPDATE": ("old_rows", "new_rows"), "DELETE": ("old_rows",)}
_PG_REFERENCING = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                   "DELETE": "OLD TABLE AS old_rows"}  # fmt: skip


def _pg_statements(table: str) -> list[str]:
    statements = []
    for event, relations in _PG_EVENTS.items():
        name = f"permissions_ns_{table}_{event.lower()}"
        keys = " UNION ALL ".join(_keys_of(table, relation, f"r{n}") for n, relation in enumerate(relations))
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
            f"{_UPSERT.format(keys=keys)}; RETURN NULL; END; $$ LANGUAGE plpgsql",
            f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {table} REFERENCING {_PG_REFERENCING[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    statements.append(
        f"CREATE OR REPLACE TRIGGER permissions_ns_{table}_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION permissions_ns_truncate()"
    )
    return statements


_PG_TRUNCATE = (
    "CREATE OR REPLACE FUNCTION permissions_ns_truncate() RETURNS trigger AS $$ BEGIN "
    f"INSERT INTO {TABLE} (key, value) VALUES ('*', 1) ON CONFLICT (key) DO UPDATE SET value = {TABLE}.value + 1; "
    "RETURN NULL; END; $$ LANGUAGE plpgsql"
)


def _sqlite_statements(table: str) -> list[str]:
    statements = []
    for event, rows in {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}.items():
        keys = " UNION ALL ".join(f"SELECT {key.format(r=row)}" for row in rows for key in KEYS[table])
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS permissions_ns_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
            f"{_UPSERT.format(keys=keys)}; END"
        )
    return statements


def install(using=connection) -> None:
    with using.cursor() as cursor:
        if using.vendor == "postgresql":
            for statement in [_PG_TRUNCATE, *(s for table in KEYS for s in _pg_statements(table))]:
                cursor.execute(statement)
        elif using.vendor == "sqlite":
            for table in KEYS:
                for statement in _sqlite_statements(table):
                    cursor.execute(statement)


def install_after_migrate(sender, using, **kwargs) -> None:
    from django.db import connections

    install(connections[using])


def digest_sql(keys_sql: str) -> str:
    """A scalar subquery: a digest of the (key, value) of every namespace `keys_sql` (a one-column query of keys)
    names, plus `*`. It changes whenever any of them is bumped or the set of keys changes."""
    pairs = "v.key || '=' || v.value"
    where = f"FROM {TABLE} v WHERE v.key IN (SELECT '*' UNION ALL {keys_sql})"
    if connection.vendor == "postgresql":
        return f"(SELECT md5(string_agg({pairs}, ',' ORDER BY v.key)) {where})"  # noqa: S608
    return f"(SELECT group_concat({pairs}, ',') {where})"  # noqa: S608


def value(key: str) -> int:
    """One namespace's counter (0 before its first write): for tests and the bench."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE key = %s", [key])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0
