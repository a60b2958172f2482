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


@transaction.atomic
def grants_revoke(*, licensing_id: LicensingID, email: str, roles: Iterable[str] | None = None, actor=None,
                  verb: str = "permission.removed", detail: str = "") -> int:
    """Remove the given roles (all when None) of the email on the licensing ID; takes effect on the next request."""
    email = normalize_email(email)
    grants = Grant.objects.select_for_update().filter(licensing_id=licensing_id, email=email)
    held = set(grants.values_list("role", flat=True))
    doomed = grants if roles is None else grants.filter(role__in=list(roles))
    removed = set(doomed.values_list("role", flat=True))
    if not removed:
        return 0
    doomed.delete()
    audit.record(actor=actor, verb=verb, licensing_id=licensing_id, target_email=email,
                 before={"roles": sorted(held)}, after={"roles": sorted(held - removed)}, detail=detail)
    return len(removed)


@transaction.atomic
def partner_access_deny(*, licensing_id: LicensingID, email: str, actor=None, via: str = "manage_users") -> int:
    """An administrator denies a partner's (reseller's) access to a licensing ID (RES-1, OPEN-4, PERM-7):
    every role that email holds there is removed at once, audited as a denial. Returns the roles removed."""
    return grants_revoke(licensing_id=licensing_id, email=email, roles=None, actor=actor,
                         verb="permission.access_denied", detail=f"via={via}")
