"""Access cases of the agreements app (format: tests/access_matrix.py)."""

from django.core.files.base import ContentFile

from permissions.models import Role
from tests.access_matrix import ADMINS, ALL_ROLES, Case, Kind

CASES = [
    Case("agreements:list", Kind.LOGIN),
    Case("agreements:detail", Kind.TENANT, kwargs=lambda w: {"pk": w["lid"].pk}, allowed=ALL_ROLES),
    Case("agreements:access", Kind.TENANT, kwargs=lambda w: {"pk": w["lid"].pk}, allowed=ALL_ROLES),
    Case(
        "agreements:download",
        Kind.TENANT,
        kwargs=lambda w: {"pk": w["lid"].pk, "download_pk": w["download"].pk},
        allowed=ADMINS | {Role.DOWNLOAD.value},
    ),
]


def extend_world(world: dict) -> None:
    world["download"] = world["lid"].downloads.create(product="Office LTSC", file_name="office.iso")
    world["download"].file.save("office.iso", ContentFile(b"iso"), save=True)
