# ruff: noqa: S608 - SQL built from the constant key expressions and table names below
"""Access namespaces: per-email and per-licensing-ID counters the database raises, in the writer's own
transaction, whenever something that decides who sees what changes (issue 13, STYLE "Caches keyed narrowly",
pretix-style cache namespaces).

A write bumps only the namespaces it affects:
- a grant, an inheritance opt-out or an agreement contact bumps `e:<its email>` and `l:<its licensing ID>`;
- a licensing ID bumps `l:<itself>`, `l:<its parent>` and `e:<every email holding a grant on it or on its parent>`
  (their listings show it, inherited children included: PERM-8);
- an organisation (its name shows in the listings) bumps `l:` of its licensing IDs and `e:` of their holders;
- an account whose business email or its verification changes (or that is created or deleted) bumps `e:` of that
  email and `l:` of every licensing ID it holds a grant on (Manage Users shows each person's PERM-12 state);
  other account updates (last login, language) bump nothing;
- TRUNCATE of any of them bumps `*`, which every reader includes.
A page listing one person's licensing IDs (My Permissions, the agreements list) is keyed on `e:<their email>`;
a page about one licensing ID (Manage Users) on `l:<it>` and `l:<its parent>`; both also on the next `ends_at`
still ahead among the grants they depend on, so no grant survives its end in a cache although no write happens
then (`permissions.access.viewer_stamp`, `licensing_id_with_roles`). Each counter only grows, so a stamp never
comes back; readers read it *before* the data cached under it (a reader that raced a commit can only have stored
newer data under an older stamp, never older data under the newer one).

Grant writes in different organisations (for different people) touch different rows and never wait on each
other; the single global version row this replaces serialised every writer (issue 13 measured 1,699 ms behind a
transaction held 2 s). Two writes for the same person or licensing ID still queue on its row, briefly.

PostgreSQL: statement-level triggers with transition tables (one upsert per statement, keys in sorted order so
two writers sharing keys cannot deadlock). SQLite (the demo): row triggers. Both are (re)installed after every
migrate and flush (post_migrate).
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from licensing_portal.db import fetch, prepared
from licensing_portal.tenancy import business_email_of

# The keys one statement's rows affect, per watched table: SQL over `{src}` (the transition table on PostgreSQL,
# the NEW or OLD row on SQLite) with the columns in COLUMNS.
_GRANT_LIKE = "SELECT 'e:' || r.email AS k FROM {src} r UNION ALL SELECT 'l:' || r.licensing_id_id AS k FROM {src} r"
KEYS = {
    "permissions_grant": _GRANT_LIKE,
    "permissions_inheritanceoptout": _GRANT_LIKE,
    "agreements_agreementcontact": _GRANT_LIKE,
    "agreements_licensingid": (
        "SELECT 'l:' || r.id AS k FROM {src} r UNION ALL SELECT 'l:' || r.parent_id AS k FROM {src} r "
        "UNION ALL SELECT 'e:' || g.email AS k FROM {src} r "
        "JOIN permissions_grant g ON g.licensing_id_id IN (r.id, r.parent_id)"
    ),
    "agreements_organization": (
        "SELECT 'l:' || l.id AS k FROM {src} r JOIN agreements_licensingid l ON l.organization_id = r.id "
        "UNION ALL SELECT 'e:' || g.email AS k FROM {src} r JOIN agreements_licensingid l ON l.organization_id = r.id "
        "JOIN permissions_grant g ON g.licensing_id_id = l.id"
    ),
    "core_user": (
        "SELECT 'e:' || r.business_email AS k FROM {src} r WHERE r.business_email <> '' "
        "UNION ALL SELECT 'l:' || g.licensing_id_id AS k FROM {src} r "
        "JOIN permissions_grant g ON g.email = r.business_email"
    ),
}
# Tables whose UPDATE bumps only when one of these columns changed (an account's last login must not).
CHANGED = {"core_user": ("business_email", "business_email_verified_at")}
COLUMNS = {
    "permissions_grant": ("email", "licensing_id_id"),
    "permissions_inheritanceoptout": ("email", "licensing_id_id"),
    "agreements_agreementcontact": ("email", "licensing_id_id"),
    "agreements_licensingid": ("id", "parent_id"),
    "agreements_organization": ("id",),
    "core_user": ("business_email",),
}
WATCHED_TABLES = tuple(KEYS)
TABLE = "permissions_accessnamespace"

_UPSERT = (
    f"INSERT INTO {TABLE} (key, value) SELECT k, 1 FROM ({{keys}}) AS bumped WHERE k IS NOT NULL "  # noqa: S608
    "GROUP BY k ORDER BY k ON CONFLICT (key) DO UPDATE SET value = " + TABLE + ".value + 1"
)


_PG_EVENTS = {"INSERT": ("new_rows",), "UPDATE": ("old_rows", "new_rows"), "DELETE": ("old_rows",)}
_PG_REFERENCING = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                   "DELETE": "OLD TABLE AS old_rows"}  # fmt: skip


def _pg_statements(table: str) -> list[str]:
    statements = []
    for event, relations in _PG_EVENTS.items():
        name = f"permissions_ns_{table}_{event.lower()}"
        sources = relations
        if event == "UPDATE" and table in CHANGED:
            changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in CHANGED[table])
            sources = [
                f"(SELECT {alias}.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed})"
                for alias in ("o", "n")
            ]
        keys = " UNION ALL ".join(KEYS[table].format(src=source) for source in sources)
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
        on = f"UPDATE OF {', '.join(CHANGED[table])}" if event == "UPDATE" and table in CHANGED else event
        keys = " UNION ALL ".join(
            KEYS[table].format(src="(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in COLUMNS[table]) + ")")
            for row in rows
        )
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS permissions_ns_{table}_{event.lower()} AFTER {on} ON {table} BEGIN "
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


def value(key: str) -> int:
    """One namespace's counter (0 before its first write): for tests and the bench."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE key = %s", [key])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0


# --- Reading them: the cache stamps ------------------------------------------------------------------------

NAMESPACE_SQL = f"(SELECT v.value FROM {TABLE} v WHERE v.key = {{key}})"
_VIEWER_STAMP_SQL = f"""
SELECT coalesce({NAMESPACE_SQL.format(key="'*'")}, 0) || '.'
       || coalesce({NAMESPACE_SQL.format(key="'e:' || %(email)s")}, 0),
       (SELECT min(g.ends_at) FROM permissions_grant g WHERE g.email = %(email)s AND g.ends_at > %(now)s)
"""


def stamp(counters, next_end) -> str:
    if isinstance(next_end, str):  # SQLite (the demo) hands a hand-written query's timestamps back as text
        next_end = parse_datetime(next_end)
    return f"{counters}.{int(next_end.timestamp() * 1000) if next_end else 0}"


def viewer_stamp(user) -> str:
    """What a page listing `user`'s licensing IDs (My Permissions, the agreements list) depends on: the namespace
    of their email (which writes to their grants, opt-outs and contacts, to the licensing IDs and organisations
    they hold grants on, and to their account's PERM-12 state bump) and the next end among their grants (RES-8):
    three index lookups. Read it BEFORE reading the data cached under it (a racing write can then only leave
    newer data under an older stamp). A write in another organisation, for other people, leaves it alone."""
    email = business_email_of(user)
    params = {"email": email or "", "now": timezone.now()}
    return stamp(*fetch(*prepared("portal_viewer_stamp_v2", _VIEWER_STAMP_SQL, params))[0])
