"""Who administers an organisation (organisation-wide tools: webhooks, API-4). One answer, built on the existing
policies: a member flagged as the organisation's administrator (OrganizationMember.is_admin, the partner
administrator of RES-5..7 and MPN-2), or one of a customer's own administrators (an Administrator grant not
obtained through a partner, SEC-6: `policies.customer_organization_ids`)."""

from __future__ import annotations

from django.db import models

from agreements.models import Organization, OrganizationMember
from permissions import policies


def administered_organization_ids(user) -> models.QuerySet:
    """A one-column subquery of organisation ids (right of `__in` only)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organization.objects.none().values("pk")
    members = OrganizationMember.objects.filter(user=user, is_admin=True).order_by().values("organization_id")
    return members.union(policies.customer_organization_ids(user).order_by())


def may_administer_organization(user, organization) -> bool:
    return Organization.objects.filter(pk=organization.pk, pk__in=administered_organization_ids(user)).exists()
