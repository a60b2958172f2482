"""Access cases of the agreements app (format: tests/access_matrix.py)."""

from tests.access_matrix import ALL_ROLES, Case, Kind

CASES = [
    Case("agreements:list", Kind.LOGIN),
    Case("agreements:detail", Kind.TENANT, kwargs=lambda w: {"pk": w["lid"].pk}, allowed=ALL_ROLES),
    Case("agreements:access", Kind.TENANT, kwargs=lambda w: {"pk": w["lid"].pk}, allowed=ALL_ROLES),
]
