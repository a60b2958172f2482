# ruff: noqa: S608 - SQL built from the constant table names, roles and reasons below
"""The My Permissions listing (`HolderListing`): which licensing IDs each business email lists, with the number,
status and latest grant end that order, filter and bound them, kept by PostgreSQL triggers in the writer's own
transaction. Part of the access core (permissions/access.py): the PERM-8 rule of who lists what is written here
once, in SQL, and tests/permissions/test_access_listing.py proves it equal to the ORM's answer after generated
sequences of writes.

Why: My Permissions sorts and counts every licensing ID the viewer lists. Read from the grants, that cost grew
with the viewer's holdings (a cold page 8 ms at scale 1, ~20 ms for the 2,500 licensing IDs of the scale 5 bench
user); from this table it is one range of one covering index (issue 13). Manage Users reads the same rows by
licensing ID for its page of people (permissions/access_people.py).

Who is listed on a licensing ID L for an email E: E holds a grant on L, or holds Administrator on L's parent and
has not removed L from their permissions (an opt-out with reason `removed`, PERM-9; an ordinary opt-out still
lists L so that E can opt in again). Ended grants count until `until`, the latest end among those grants (NULL:
one has no end), so the page filters on `until` with the request's clock: no grant outlives its end (RES-8).

A write recomputes the (email, licensing ID) pairs it may change: a grant its own, and for Administrator the
children of its licensing ID; an opt-out its own; a licensing ID (insert, delete, re-parenting) the holders of
grants on it and of Administrator on its parents, a change of number or status only copies them. Concurrency:
before reading, the trigger locks the licensing ID rows it is about to recompute (FOR NO KEY UPDATE, in id
order; in READ COMMITTED each statement after the wait sees what the other writer committed), so two writers on
the same licensing ID queue and writers in different organisations never meet. A re-parenting that races an
Administrator grant on the old or new parent can deadlock; PostgreSQL then fails one of them, which is retried.
SQLite (the demo) has no triggers: its My Permissions and Manage Users read the ORM versions
(permissions/access_pages_orm.py).
"""

from __future__ import annotations

from django.db import connection

from permissions.models import InheritanceOptOut, Role

TABLE = "permissions_holderlisting"
# A listing row `h` still lists its licensing ID at the request's clock `%(now)s` (RES-8): the page queries' filter.
LISTED_NOW = "(h.until IS NULL OR h.until > %(now)s)"
_ADMIN = Role.ADMINISTRATOR.value
_REMOVED = InheritanceOptOut.Reason.REMOVED.value

# Recompute the pairs in `pairs` (a relation of (email, lid)): drop their rows, insert those still listed.
_DROP = f"DELETE FROM {TABLE} h USING ({{pairs}}) p WHERE h.email = p.email AND h.licensing_id_id = p.lid;"
_INSERT = f"""
INSERT INTO {TABLE} (email, licensing_id_id, number, status, until)
SELECT p.email, l.id, l.number, l.status, CASE WHEN e.open THEN NULL ELSE e.last END
FROM (SELECT DISTINCT email, lid FROM ({{pairs}}) q) p
JOIN agreements_licensingid l ON l.id = p.lid
CROSS JOIN LATERAL (
    SELECT bool_or(g.ends_at IS NULL) AS open, max(g.ends_at) AS last, count(*) AS n
    FROM permissions_grant g
    WHERE g.email = p.email AND g.licensing_id_id IN (l.id, l.parent_id) AND (
        g.licensing_id_id = l.id OR (g.role = '{_ADMIN}' AND NOT EXISTS (
            SELECT 1 FROM permissions_inheritanceoptout o
            WHERE o.licensing_id_id = l.id AND o.email = p.email AND o.reason = '{_REMOVED}'
        ))
    )
) e
WHERE e.n > 0
"""
_PAIRS = "SELECT unnest(emails) AS email, unnest(lids) AS lid"
_LOCK = "PERFORM 1 FROM agreements_licensingid WHERE id = ANY({ids}) ORDER BY id FOR NO KEY UPDATE"

# Per watched table: the licensing IDs to lock first (SQL over `{src}`), then the pairs to recompute.
_GRANT_PAIRS = (
    "SELECT r.email, r.licensing_id_id AS lid FROM {src} r UNION "
    "SELECT r.email, c.id FROM {src} r JOIN agreements_licensingid c ON c.parent_id = r.licensing_id_id "
    f"WHERE r.role = '{_ADMIN}'"
)
_LICENSING_ID_PAIRS = (
    "SELECT g.email, r.id AS lid FROM {src} r JOIN permissions_grant g ON g.licensing_id_id = r.id UNION "
    "SELECT g.email, r.id FROM {src} r JOIN permissions_grant g ON g.licensing_id_id = r.parent_id "
    f"AND g.role = '{_ADMIN}' UNION "
    f"SELECT h.email, r.id FROM {{src}} r JOIN {TABLE} h ON h.licensing_id_id = r.id"
)
WATCHED = {
    "permissions_grant": ("SELECT r.licensing_id_id FROM {src} r", _GRANT_PAIRS),
    "permissions_inheritanceoptout": (
        "SELECT r.licensing_id_id FROM {src} r",
        "SELECT r.email, r.licensing_id_id AS lid FROM {src} r",
    ),
    "agreements_licensingid": ("SELECT r.parent_id FROM {src} r", _LICENSING_ID_PAIRS),
}
_EVENTS = {"INSERT": ("new_rows",), "UPDATE": ("old_rows", "new_rows"), "DELETE": ("old_rows",)}
_REFERENCING = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "DELETE": "OLD TABLE AS old_rows"}  # fmt: skip
# A licensing ID's number or status only needs copying; its other columns list nobody.
_COPY_NUMBER_AND_STATUS = f"""
UPDATE {TABLE} h SET number = n.number, status = n.status
FROM new_rows n JOIN old_rows o ON o.id = n.id
WHERE h.licensing_id_id = n.id AND (n.number, n.status) IS DISTINCT FROM (o.number, o.status)
"""
_REPARENTED = (
    "(SELECT {alias}.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.parent_id IS DISTINCT FROM o.parent_id)"
)


def _body(table: str, event: str) -> str:
    anchors_sql, pairs_sql = WATCHED[table]
    sources = list(_EVENTS[event])
    steps = []
    if table == "agreements_licensingid" and event == "UPDATE":
        steps.append(_COPY_NUMBER_AND_STATUS + ";")
        sources = [_REPARENTED.format(alias=alias) for alias in ("o", "n")]
    anchors = " UNION ".join(anchors_sql.format(src=source) for source in sources)
    pairs = " UNION ".join(pairs_sql.format(src=source) for source in sources)
    steps += [
        _LOCK.format(ids=f"ARRAY({anchors})") + ";",
        f"SELECT coalesce(array_agg(email), '{{}}'), coalesce(array_agg(lid), '{{}}') INTO emails, lids "
        f"FROM ({pairs}) pairs WHERE lid IS NOT NULL;",
        _LOCK.format(ids="lids") + ";",
        _DROP.format(pairs=_PAIRS),
        _INSERT.format(pairs=_PAIRS) + ";",
    ]
    return "DECLARE emails text[]; lids bigint[]; BEGIN " + " ".join(steps) + " RETURN NULL; END;"


_REBUILD = (
    "CREATE OR REPLACE FUNCTION permissions_listing_rebuild() RETURNS void AS $$ BEGIN "
    f"DELETE FROM {TABLE}; "
    + _INSERT.format(pairs=_GRANT_PAIRS.format(src="permissions_grant"))
    + "; END; $$ LANGUAGE plpgsql"
)
_ON_TRUNCATE = (
    "CREATE OR REPLACE FUNCTION permissions_listing_truncate() RETURNS trigger AS $$ BEGIN "
    "PERFORM permissions_listing_rebuild(); RETURN NULL; END; $$ LANGUAGE plpgsql"
)


def _statements(table: str) -> list[str]:
    statements = []
    for event in _EVENTS:
        name = f"permissions_listing_{table}_{event.lower()}"
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ {_body(table, event)} $$ LANGUAGE plpgsql",
            f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {table} REFERENCING {_REFERENCING[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    statements.append(
        f"CREATE OR REPLACE TRIGGER permissions_listing_{table}_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION permissions_listing_truncate()"
    )
    return statements


def install(using=connection) -> None:
    """(Re)install the triggers: after every migrate and flush (post_migrate), PostgreSQL only."""
    if using.vendor != "postgresql":
        return
    with using.cursor() as cursor:
        for statement in [_REBUILD, _ON_TRUNCATE, *(s for table in WATCHED for s in _statements(table))]:
            cursor.execute(statement)


def uninstall(using=connection) -> None:
    """Drop the triggers (migrating back past the table)."""
    if using.vendor != "postgresql":
        return
    with using.cursor() as cursor:
        for table in WATCHED:
            for event in [*_EVENTS, "TRUNCATE"]:
                cursor.execute(f"DROP TRIGGER IF EXISTS permissions_listing_{table}_{event.lower()} ON {table}")


def rebuild(using=connection) -> None:
    """Recompute every row from the grants and opt-outs (the migration that adds the table; repairs)."""
    if using.vendor == "postgresql":
        with using.cursor() as cursor:
            cursor.execute("SELECT permissions_listing_rebuild()")


def install_after_migrate(sender, using, **kwargs) -> None:
    from django.db import connections

    install(connections[using])
