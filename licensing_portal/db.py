"""Server-side prepared statements for the few hand-written queries every page runs (issue 7).

PostgreSQL plans a statement on every execution; for a one-row lookup the planning costs more than running
it. `prepared()` PREPAREs the statement once per persistent database connection (prepared statements outlive
transactions, rolled back or not) and returns the EXECUTE to run instead. A connection closed after each
request (CONN_MAX_AGE = 0, e.g. the tests) and other databases (the SQLite demo) run the plain statement: one
round trip either way. Statements name their columns: a prepared `SELECT *` would fail on a connection that
outlives a migration adding a column. Not for transaction-pooling proxies (pgbouncer in transaction mode),
which hand a session's statements to other connections.
"""

from __future__ import annotations

from functools import cache

from django.db import connection


def prepared(name: str, sql: str, params: dict) -> tuple[str, dict]:
    """(sql, params) to execute: `sql` with `%(key)s` placeholders, prepared under `name` on PostgreSQL."""
    if connection.vendor != "postgresql" or not connection.settings_dict.get("CONN_MAX_AGE"):
        return sql, params
    connection.ensure_connection()
    prepared_on = connection.__dict__.setdefault("_portal_prepared_on", {})
    if prepared_on.get(name) is not connection.connection:  # a new connection has none prepared
        numbered = sql % {key: f"${position}" for position, key in enumerate(params, start=1)}
        with connection.cursor() as cursor:
            cursor.execute(f"PREPARE {name} AS {numbered}")
        prepared_on[name] = connection.connection
    return f"EXECUTE {name}({', '.join(f'%({key})s' for key in params)})", params


def fetch(sql: str, params: dict) -> list[tuple]:
    """All rows of one hand-written query, as tuples."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def instance_from_row(model, values):
    """A `model` instance from the values of its concrete columns (in field order), converted the way a
    queryset converts them: for a hand-written query, without RawQuerySet's per-query column mapping."""
    attnames, converters = _row_conversion(model, connection.vendor)
    converted = list(values)
    for index, column, convert in converters:
        converted[index] = convert(converted[index], column, connection)
    return model.from_db(connection.alias, attnames, converted)


@cache
def _row_conversion(model, vendor: str):
    """(attnames, [(position, column, converter), ...]) of `model` on this database vendor: looked up once, not
    per row (the permission check builds one licensing ID per request, issue 13)."""
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            converters.append((index, column, convert))
    return [field.attname for field in fields], converters
