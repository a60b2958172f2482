"""Every "may this user do X on licensing ID Y" question is answered here (PERM-1, PERM-8)."""

from __future__ import annotations

from agreements.models import LicensingID
from licensing_portal.db import fetch, instance_from_row, prepared
from licensing_portal.tenancy import business_email_of
from permissions.models import Grant, InheritanceOptOut, Role

# The licensing ID, the user's grants on it and on its parent, and whether the user opted out of inheriting
# the parent's Administrator here (PERM-8): one indexed query, written out because planning and compiling the
# ORM equivalent cost more than running it (issue 7). A row per grant, or one row without a grant. The access
# version comes along, read before anything a page then caches under it (permissions/access_version.py).
_LICENSING_ID_ROLES_SQL = """
SELECT {columns}, g.role AS held_role, g.licensing_id_id AS held_on, EXISTS (
    SELECT 1 FROM permissions_inheritanceoptout o WHERE o.licensing_id_id = l.id AND o.email = %(email)s
) AS opted_out, (SELECT v.value FROM permissions_accessversion v WHERE v.id = 1) AS access_version
FROM agreements_licensingid l
LEFT JOIN permissions_grant g ON g.email = %(email)s AND g.licensing_id_id IN (l.id, l.parent_id)
WHERE l.id = %(pk)s
""".format(columns=", ".join(f"l.{f.column}" for f in LicensingID._meta.concrete_fields))  # noqa: S608 - model columns


def licensing_id_with_roles(user, pk: int) -> tuple[LicensingID | None, frozenset[str]]:
    """The licensing ID `pk` (None if missing, or before the business email is confirmed: ACC-2) and the user's
    roles on it: those held there, plus Administrator inherited from the parent unless opted out. Remembered
    for the rest of the request; the licensing ID carries the `access_version` read with them."""
    email = business_email_of(user)
    if not email:
        return None, frozenset()
    rows = fetch(*prepared("portal_licensing_id_roles", _LICENSING_ID_ROLES_SQL, {"email": email, "pk": pk}))
    if not rows:
        return None, frozenset()
    width = len(LicensingID._meta.concrete_fields)
    licensing_id = instance_from_row(LicensingID, rows[0][:width])
    licensing_id.access_version = rows[0][-1]
    roles = set()
    for held_role, held_on, opted_out, _version in (row[width:] for row in rows):
        if held_on == licensing_id.pk:
            roles.add(held_role)
        elif held_role == Role.ADMINISTRATOR and not opted_out:
            roles.add(Role.ADMINISTRATOR)
    _remembered_roles(user)[licensing_id.pk] = frozenset(roles)
    return licensing_id, frozenset(roles)


def _remembered_roles(user) -> dict[int, frozenset[str]]:
    cache = getattr(user, "_roles_cache", None)
    if cache is None:
        cache = user._roles_cache = {}
    return cache


def roles_on(user, licensing_id: LicensingID) -> frozenset[str]:
    """Roles held directly, plus Administrator inherited from the parent unless opted out."""
    if not business_email_of(user):
        return frozenset()
    remembered = _remembered_roles(user)
    if licensing_id.pk not in remembered:
        licensing_id_with_roles(user, licensing_id.pk)
    return remembered.get(licensing_id.pk, frozenset())


def has_role(user, licensing_id: LicensingID, role: str) -> bool:
    roles = roles_on(user, licensing_id)
    return Role.ADMINISTRATOR in roles or role in roles


def can_view_licensing_info(user, licensing_id: LicensingID) -> bool:
    return has_role(user, licensing_id, Role.LICENSING_INFO)


def can_download(user, licensing_id: LicensingID) -> bool:
    return has_role(user, licensing_id, Role.DOWNLOAD)


def can_view_product_keys(user, licensing_id: LicensingID) -> bool:
    return has_role(user, licensing_id, Role.PRODUCT_KEYS)


def can_manage_users(user, licensing_id: LicensingID) -> bool:
    return Role.ADMINISTRATOR in roles_on(user, licensing_id)


def can_manage_subscriptions(user, licensing_id: LicensingID) -> bool:
    return has_role(user, licensing_id, Role.SUBSCRIPTIONS_MANAGER)


def can_view_sa_summary(user, licensing_id: LicensingID) -> bool:
    roles = roles_on(user, licensing_id)
    return bool(roles & {Role.ADMINISTRATOR, Role.LICENSING_INFO, Role.SA_MANAGER})


CAPABILITIES = {
    "view_licensing_info": can_view_licensing_info,
    "download": can_download,
    "view_product_keys": can_view_product_keys,
    "manage_users": can_manage_users,
    "manage_subscriptions": can_manage_subscriptions,
    "view_sa_summary": can_view_sa_summary,
}


def capabilities(user, licensing_id: LicensingID) -> dict:
    """Roles (inherited Administrator included) and what they allow, in the shape of the permission check."""
    return {
        "licensing_id": licensing_id.number,
        "roles": sorted(roles_on(user, licensing_id)),
        "can": {name: allowed(user, licensing_id) for name, allowed in CAPABILITIES.items()},
    }


def forget_cached_roles(user) -> None:
    if hasattr(user, "_roles_cache"):
        del user._roles_cache


def is_partner_member(user, partner) -> bool:
    """Works for the partner organisation (RES-3..7, MPN-1)."""
    from agreements.models import Organization, OrganizationMember

    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and partner.kind == Organization.Kind.PARTNER
        and OrganizationMember.objects.filter(organization=partner, user=user).exists()
    )


def is_partner_admin(user, partner) -> bool:
    """An administrator member of the partner organisation: invites customers, removes relationships, names
    support contacts (RES-5..7) and is the Program Administrator of its membership (MPN-2)."""
    from agreements.models import Organization, OrganizationMember

    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and partner.kind == Organization.Kind.PARTNER
        and OrganizationMember.objects.filter(organization=partner, user=user, is_admin=True).exists()
    )


def administers_organization(user, organization) -> bool:
    """Administrator of at least one licensing ID of the organisation (the customer side of RES-5, RES-6)."""
    from licensing_portal.tenancy import administered_organization_ids

    return administered_organization_ids(user).filter(organization_id=organization.pk).exists()


def administrators_of_record(licensing_id: LicensingID) -> set[str]:
    """Business emails administering the licensing ID: direct Administrator grants plus administrators of its
    MBSA/parent who have not opted out (PERM-4, PERM-8)."""
    direct = set(
        Grant.objects.filter(licensing_id=licensing_id, role=Role.ADMINISTRATOR).values_list("email", flat=True)
    )
    if not licensing_id.parent_id:
        return direct
    opted_out = InheritanceOptOut.objects.filter(licensing_id=licensing_id).values("email")
    inherited = set(
        Grant.objects.filter(licensing_id=licensing_id.parent_id, role=Role.ADMINISTRATOR)
        .exclude(email__in=opted_out)
        .values_list("email", flat=True)
    )
    return direct | inherited


def would_leave_without_administrator(
    licensing_id: LicensingID, *, email: str, loses_direct: bool = False, loses_inherited: bool = False
) -> bool:
    """True when taking Administrator (direct and/or inherited) away from `email` leaves nobody to manage the
    licensing ID: the last administrator must hand over first (PERM-7)."""
    admins = administrators_of_record(licensing_id)
    if email not in admins:
        return False
    direct = Grant.objects.filter(licensing_id=licensing_id, email=email, role=Role.ADMINISTRATOR).exists()
    inherited = (
        bool(licensing_id.parent_id)
        and Grant.objects.filter(licensing_id=licensing_id.parent_id, email=email, role=Role.ADMINISTRATOR).exists()
        and not InheritanceOptOut.objects.filter(licensing_id=licensing_id, email=email).exists()
    )
    keeps = (direct and not loses_direct) or (inherited and not loses_inherited)
    return not keeps and not (admins - {email})


def is_parent_administrator(user, licensing_id: LicensingID) -> bool:
    """Holds Administrator directly on the licensing ID's MBSA/parent (whether or not opted out here)."""
    email = business_email_of(user)
    return bool(
        email
        and licensing_id.parent_id
        and Grant.objects.filter(licensing_id=licensing_id.parent_id, email=email, role=Role.ADMINISTRATOR).exists()
    )
