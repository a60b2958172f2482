"""Reads of API tokens for their pages (API-2): a person's own tokens, the service tokens of organisations they
administer (asked of the policy module), and nothing else (404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from licensing_portal.api.models import ApiToken
from licensing_portal.tenancy import administered_organization_ids, may_administer_organization

Organization = ApiToken._meta.get_field("organization").related_model


def personal_tokens(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.personal_of(user).order_by("-created_at", "-id")


def administered_organizations(*, user) -> QuerySet[Organization]:
    """Organisations whose service tokens `user` manages (the access core's answer, through the kernel)."""
    return Organization.objects.filter(pk__in=administered_organization_ids(user)).order_by("name", "pk")


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
