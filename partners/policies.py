"""Partner-side authorisation predicates (RES-3..7). Licence roles stay in permissions/policies.py."""

from __future__ import annotations

from agreements.models import Organization, OrganizationMember
from licensing_portal.tenancy import administered_organization_ids


def is_partner_member(user, partner: Organization) -> bool:
    return bool(
        user.is_authenticated
        and partner.kind == Organization.Kind.PARTNER
        and OrganizationMember.objects.filter(organization=partner, user=user).exists()
    )


def is_partner_admin(user, partner: Organization) -> bool:
    """Only the partner's own administrators invite customers, remove relationships and name support
    contacts; any member may look."""
    return bool(
        user.is_authenticated
        and partner.kind == Organization.Kind.PARTNER
        and OrganizationMember.objects.filter(organization=partner, user=user, is_admin=True).exists()
    )


def administers_organization(user, organization: Organization) -> bool:
    """Administrator of at least one licensing ID of the organisation (the customer side of RES-5, RES-6)."""
    return administered_organization_ids(user).filter(organization_id=organization.pk).exists()
