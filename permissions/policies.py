"""Every "may this user do X on licensing ID Y" question is answered here (PERM-1, PERM-8)."""

from __future__ import annotations

from django.db.models import Exists, Q, Value

from agreements.models import LicensingID
from licensing_portal.tenancy import business_email_of
from permissions.models import Grant, InheritanceOptOut, Role


def roles_on(user, licensing_id: LicensingID) -> frozenset[str]:
    """Roles held directly, plus Administrator inherited from the parent unless opted out."""
    email = business_email_of(user)
    if not email:
        return frozenset()
    cache = getattr(user, "_roles_cache", None)
    if cache is None:
        cache = user._roles_cache = {}
    if licensing_id.pk in cache:
        return cache[licensing_id.pk]
    if licensing_id.parent_id:
        # One query: the grants here, Administrator on the parent, and whether this email opted out here.
        rows = (
            Grant.objects.filter(
                Q(licensing_id=licensing_id.pk) | Q(licensing_id=licensing_id.parent_id, role=Role.ADMINISTRATOR),
                email=email,
            )
            .annotate(opted_out=Exists(InheritanceOptOut.objects.filter(licensing_id=licensing_id.pk, email=email)))
            .values_list("licensing_id", "role", "opted_out")
        )
    else:
        rows = Grant.objects.filter(email=email, licensing_id=licensing_id.pk).values_list(
            "licensing_id", "role", Value(False)
        )
    roles = set()
    for lid, role, opted_out in rows:
        if lid == licensing_id.pk:
            roles.add(role)
        elif not opted_out:
            roles.add(Role.ADMINISTRATOR)
    cache[licensing_id.pk] = frozenset(roles)
    return cache[licensing_id.pk]


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
