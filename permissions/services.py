"""Writes to permission grants. Every change is audited (PERM-11)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from agreements.models import LicensingID
from licensing_portal import audit
from permissions.models import Grant, Role


def normalize_email(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def grants_add(*, licensing_id: LicensingID, email: str, roles: Iterable[str], source: str,
               granted_by=None, sa_benefits: Iterable[str] = (), verb: str = "permission.granted") -> list[Grant]:
    """Add the roles the email does not already hold on the licensing ID; returns the new grants."""
    email = normalize_email(email)
    roles = list(dict.fromkeys(roles))
    held = set(Grant.objects.filter(licensing_id=licensing_id, email=email).values_list("role", flat=True))
    new = [
        Grant(licensing_id=licensing_id, email=email, role=role, source=source, granted_by=granted_by,
              sa_benefits=sorted(set(sa_benefits)) if role == Role.SA_MANAGER else [])
        for role in roles if role not in held
    ]
    if not new:
        return []
    created = Grant.objects.bulk_create(new, ignore_conflicts=True)
    audit.record(actor=granted_by, verb=verb, licensing_id=licensing_id, target_email=email,
                 before={"roles": sorted(held)}, after={"roles": sorted(held | {g.role for g in new})},
                 detail=f"source={source}")
    return created
