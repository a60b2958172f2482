"""Every "may this user do X on licensing ID Y" question is answered here (PERM-1, PERM-8)."""

from __future__ import annotations

from django.db import models

from agreements.models import LicensingID
from licensing_portal.db import fetch, instance_from_row, prepared
from licensing_portal.tenancy import business_email_of
from permissions.models import DELEGATED_SOURCES, PARTNER_SOURCES, Grant, InheritanceOptOut, Role

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


def administrators_of_record(licensing_id: LicensingID, *, own_only: bool = False) -> set[str]:
    """Business emails administering the licensing ID: direct Administrator grants plus administrators of its
    MBSA/parent who have not opted out (PERM-4, PERM-8). `own_only`: the customer's own administrators, leaving
    out Administrator a partner holds through a reseller relationship (SEC-6)."""
    grants = Grant.objects.filter(role=Role.ADMINISTRATOR)
    if own_only:
        grants = grants.exclude(source__in=DELEGATED_SOURCES)
    direct = set(grants.filter(licensing_id=licensing_id).values_list("email", flat=True))
    if not licensing_id.parent_id:
        return direct
    opted_out = InheritanceOptOut.objects.filter(licensing_id=licensing_id).values("email")
    inherited = set(
        grants.filter(licensing_id=licensing_id.parent_id).exclude(email__in=opted_out).values_list("email", flat=True)
    )
    return direct | inherited


def _administrator_sources(licensing_id: LicensingID, email: str) -> tuple[str | None, str | None]:
    """(source of `email`'s own Administrator grant on the licensing ID, source of the parent's Administrator grant
    it inherits here): None where there is none, or where it opted out of inheriting (PERM-8)."""
    rows = dict(
        Grant.objects.filter(
            email=email,
            role=Role.ADMINISTRATOR,
            licensing_id__in=[pk for pk in (licensing_id.pk, licensing_id.parent_id) if pk],
        ).values_list("licensing_id", "source")
    )
    inherited = rows.get(licensing_id.parent_id) if licensing_id.parent_id else None
    if inherited is not None and InheritanceOptOut.objects.filter(licensing_id=licensing_id, email=email).exists():
        inherited = None
    return rows.get(licensing_id.pk), inherited


def _own(source: str | None) -> bool:
    return source is not None and source not in DELEGATED_SOURCES


def would_leave_without_administrator(
    licensing_id: LicensingID, *, email: str, loses_direct: bool = False, loses_inherited: bool = False
) -> bool:
    """True when taking Administrator (direct and/or inherited) away from `email` leaves nobody to manage the
    licensing ID: the last administrator must hand over first (PERM-7)."""
    direct, inherited = _administrator_sources(licensing_id, email)
    if direct is None and inherited is None:
        return False
    keeps = (direct is not None and not loses_direct) or (inherited is not None and not loses_inherited)
    return not keeps and not (administrators_of_record(licensing_id) - {email})


def would_leave_without_own_administrator(
    licensing_id: LicensingID, *, email: str, loses_direct: bool = False, loses_inherited: bool = False
) -> bool:
    """SEC-6 (PERM-7, PERM-9): the customer always keeps an administrator of its own, who can end a reseller
    relationship. True when `email` is one of the customer's own administrators here, would stop being one, and
    nobody else is; a partner's delegated Administrator does not count. Refused whoever asks."""
    direct, inherited = _administrator_sources(licensing_id, email)
    if not (_own(direct) or _own(inherited)):
        return False
    keeps = (_own(direct) and not loses_direct) or (_own(inherited) and not loses_inherited)
    return not keeps and not (administrators_of_record(licensing_id, own_only=True) - {email})


# --- SEC-6: delegated partner access never acts for the customer on relationships, nor against its own admins --


def own_administered_licensing_ids(user) -> models.QuerySet:
    """A one-column subquery (right of `__in` only) of the licensing IDs `user` administers as one of the customer's
    own people: through an Administrator grant that did not come from a reseller relationship, held there or on
    its MBSA/parent (not opted out, PERM-8). Delegated partner access (RES-5) is left out (SEC-6)."""
    email = business_email_of(user)
    if not email:
        return LicensingID.objects.none().values("pk")
    own = Grant.objects.filter(email=email, role=Role.ADMINISTRATOR).exclude(source__in=DELEGATED_SOURCES)
    opted_out = InheritanceOptOut.objects.filter(email=email).values("licensing_id")
    inherited = (
        LicensingID.objects.filter(parent_id__in=own.values("licensing_id"))
        .exclude(pk__in=opted_out)
        .order_by()
        .values("pk")
    )
    return own.order_by().values("licensing_id").union(inherited)


def customer_organization_ids(user) -> models.QuerySet:
    """A `values("organization_id")` subquery of the organisations `user` acts for as one of their own
    administrators: the customer side of reseller relationships (RES-5, RES-6, SEC-6)."""
    return LicensingID.objects.filter(pk__in=own_administered_licensing_ids(user)).values("organization_id")


def acts_for_customer(user, licensing_id: LicensingID) -> bool:
    """Administrator of the licensing ID as one of the customer's own people, not only through a partner's
    delegated access (SEC-6)."""
    email = business_email_of(user)
    if not email:
        return False
    direct, inherited = _administrator_sources(licensing_id, email)
    return _own(direct) or _own(inherited)


def may_manage_relationships(user, organization) -> bool:
    """Accept a partner's invitation for the customer organisation, change a partner's administrator permissions,
    end a relationship on the customer's side (RES-5, RES-6): only the customer's own administrators, never a
    partner through its delegated access (SEC-6)."""
    return bool(
        organization is not None
        and LicensingID.objects.filter(organization=organization, pk__in=own_administered_licensing_ids(user)).exists()
    )


def may_grant_administrator(actor, licensing_id: LicensingID) -> bool:
    """Making someone an administrator creates one of the customer's own administrators, who could then act on
    relationships: the customer's own administrators only. A partner's delegated access stays within the roles
    it was given and cannot mint administrators who outlive the relationship (SEC-6, RES-2)."""
    return acts_for_customer(actor, licensing_id)


def may_take_roles_from(actor, licensing_id: LicensingID, *, email: str) -> bool:
    """May `actor` remove, demote or deny `email` on the licensing ID (PERM-7)? An administrator of it may; a
    partner acting through delegated access may not touch an administrator (the customer's own or another
    partner's) nor a partner's access (another partner's relationship, RES-1 reseller or RES-4 registration),
    only ordinary users and its own access (SEC-6). The keep-an-own-administrator rule applies on top, to all."""
    if not can_manage_users(actor, licensing_id):
        return False
    if acts_for_customer(actor, licensing_id):
        return True
    email = email.strip().lower()
    if email == business_email_of(actor):
        return True
    if email in administrators_of_record(licensing_id):
        return False
    return not Grant.objects.filter(licensing_id=licensing_id, email=email, source__in=PARTNER_SOURCES).exists()


def is_parent_administrator(user, licensing_id: LicensingID) -> bool:
    """Holds Administrator directly on the licensing ID's MBSA/parent (whether or not opted out here)."""
    email = business_email_of(user)
    return bool(
        email
        and licensing_id.parent_id
        and Grant.objects.filter(licensing_id=licensing_id.parent_id, email=email, role=Role.ADMINISTRATOR).exists()
    )


def may_administer_organization(user, organization) -> bool:
    """An administrator of the organisation: of a partner, an administrator member (RES-7, MPN-2); of a customer,
    one of its own administrators (an Administrator not held through a partner's delegated access, SEC-6). They
    manage its service tokens (API-2) and its integrations."""
    from agreements.models import Organization

    if organization is None:
        return False
    if organization.kind == Organization.Kind.PARTNER:
        return is_partner_admin(user, organization)
    return may_manage_relationships(user, organization)
