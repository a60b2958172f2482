"""Identifiers in URLs (SEC-9): `<pk:name>` instead of `<int:name>` in every urls.py.

Django's `int` converter takes any run of digits, and an id past the bigint range then fails in SQL: the
prepared statement of permissions/policies.py answers `bigint out of range` on PostgreSQL, SQLite raises
OverflowError. `pk` matches 1 to 19 ASCII digits and refuses (ValueError, so Django tries the next pattern and
answers 404) anything above the largest bigint, the range of every primary key here (BigAutoField).
Registered when this module is first imported; every urls.py imports it.
"""

from __future__ import annotations

import re

from django.urls import register_converter

PK_MAX = 2**63 - 1  # the largest PostgreSQL bigint
PK_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_pk(value) -> int | None:
    """`value` (a URL part, a query-string or POST value) as a primary key that SQL accepts, else None."""
    text = value if isinstance(value, str) else str(value)
    if not PK_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= PK_MAX else None


class PrimaryKeyConverter:
    regex = PK_DIGITS.pattern

    def to_python(self, value: str) -> int:
        number = parse_pk(value)
        if number is None:
            raise ValueError(f"{value!r:.40} is not a primary key")
        return number

    def to_url(self, value) -> str:
        number = parse_pk(value)
        if number is None:
            raise ValueError(f"{value!r:.40} is not a primary key")
        return str(number)


register_converter(PrimaryKeyConverter, "pk")
