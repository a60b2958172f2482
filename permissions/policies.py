"""Every "may this user do X on licensing ID Y" question is answered here (PERM-1, PERM-8, SEC-6), on top of the
access core's answers about who holds what (permissions/access.py): nothing here reads grants or opt-outs."""

from __future__ import annotations

from agreements.models import LicensingID
from permissions import access
from permissions.access import (  # noqa: F401 - the access core's answers, under the names callers know
    accessible_licensing_ids,
    acts_for_customer,
    administrators_of_record,
    business_email_of,
    customer_organization_ids,
    forget_cached_roles,
    is_parent_administrator,
    licensing_id_with_roles,
    own_administered_licensing_ids,
    roles_on,
    would_leave_without_administrator,
    would_leave_without_own_administrator,
)
from permissions.models import Role

# What each capability of the permission check needs: any one of these roles (PERM-1); Administrator allows all.
CAPABILITIES = {
    name: frozenset({Role.ADMINISTRATOR, *roles})
    for name, roles in (
        ("view_licensing_info", {Role.LICENSING_INFO}),
        ("download", {Role.DOWNLOAD}),
        ("view_product_keys", {Role.PRODUCT_KEYS}),
        ("manage_users", set()),
        ("manage_subscriptions", {Role.SUBSCRIPTIONS_MANAGER}),
        ("view_sa_summary", {Role.LICENSING_INFO, Role.SA_MANAGER}),
    )
}


def allows(roles: frozenset[str], capability: str) -> bool:
    return not roles.isdisjoint(CAPABILITIES[capability])


def can_view_licensing_info(user, licensing_id: LicensingID) -> bool:
    return allows(roles_on(user, licensing_id), "view_licensing_info")


def can_download(user, licensing_id: LicensingID) -> bool:
    return allows(roles_on(user, licensing_id), "download")


def can_view_product_keys(user, licensing_id: LicensingID) -> bool:
    return allows(roles_on(user, licensing_id), "view_product_keys")


def can_manage_users(user, licensing_id: LicensingID) -> bool:
    return allows(roles_on(user, licensing_id), "manage_users")


def can_manage_subscriptions(user, licensing_id: LicensingID) -> bool:
    return allows(roles_on(user, licensing_id), "manage_subscriptions")


def can_view_sa_summary(user, licensing_id: LicensingID) -> bool:
    return allows(roles_on(user, licensing_id), "view_sa_summary")


def capabilities(user, licensing_id: LicensingID) -> dict:
    """Roles (inherited Administrator included) and what they allow, in the shape of the permission check: the
    roles are asked for once, not once per capability (issue 13)."""
    roles = roles_on(user, licensing_id)
    return {
        "licensing_id": licensing_id.number,
        "roles": sorted(roles),
        "can": {name: allows(roles, name) for name in CAPABILITIES},
    }


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


# --- SEC-6: delegated partner access never acts for the customer on relationships, nor against its own admins --


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
    return not access.holds_partner_access(licensing_id, email)
