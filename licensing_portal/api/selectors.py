"""Reads of API tokens for their pages (API-2): a person's own tokens, the service tokens of organisations they
administer (asked of the policy module), and nothing else (404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from agreements.models import Organization, OrganizationMember
from licensing_portal.api.models import ApiToken
from permissions.policies import customer_organization_ids, may_administer_organization


def personal_tokens(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.personal_of(user).order_by("-created_at", "-id")


def administered_organizations(*, user) -> QuerySet[Organization]:
    """Organisations whose service tokens `user` manages: partners they are an administrator member of, customers
    they are one of the own administrators of (the same answer as `may_administer_organization`)."""
    partner_ids = OrganizationMember.objects.filter(
        user=user, is_admin=True, organization__kind=Organization.Kind.PARTNER
    ).values("organization_id")
    customer_ids = customer_organization_ids(user)
    return Organization.objects.filter(
        Q(pk__in=partner_ids) | Q(pk__in=customer_ids, kind=Organization.Kind.CUSTOMER)
    ).order_by("name", "pk")


def organization_for_tokens(*, user, pk: int) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None or not may_administer_organization(user, organization):
        raise Http404
    return organization


def service_tokens(*, organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.of_organization(organization).select_related("created_by").order_by("-created_at", "-id")


def token_for_revoke(*, user, pk: int) -> ApiToken:
    """The user's own personal token, or a service token of an organisation they administer; else 404."""
    token = ApiToken.objects.select_related("organization").filter(pk=pk).first()
    if token is None:
        raise Http404
    if token.kind == ApiToken.Kind.PERSONAL and token.user_id == user.pk:
        return token
    if token.kind == ApiToken.Kind.SERVICE and may_administer_organization(user, token.organization):
        return token
    raise Http404
