"""Reads of API tokens for their pages (API-2): a person's own tokens, the service tokens of organisations they
administer (asked of the policy module), and nothing else (404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from licensing_portal.api.models import ApiToken
from licensing_portal.tenancy import may_administer_organization

Organization = ApiToken._meta.get_field("organization").related_model


def personal_tokens(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.personal_of(user).order_by("-created_at", "-id")


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
