"""Token authentication for the API (API-2): `Authorization: Bearer <token>` (or `Token <token>`).

A request made with a token acts as the token's creator; the creator's roles are read per request by the access
core, so a role the creator lost is lost to the token on the next request. The token's id is kept for the audit
rows the request writes (licensing_portal/audit.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from licensing_portal import audit
from licensing_portal.api.models import ApiToken

KEYWORDS = ("bearer", "token")


def raw_token_from(request) -> str | None:
    """The raw token in the Authorization header of a Django or DRF request, or None when there is none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    keyword, _sep, value = header.strip().partition(" ")
    if keyword.lower() not in KEYWORDS:
        return None
    return value.strip()


def token_for(request) -> ApiToken | None:
    """The usable token a (non-DRF) request carries, e.g. for SCIM; records it for the audit."""
    raw = raw_token_from(request)
    token = ApiToken.objects.authenticate(raw) if raw else None
    if token is not None:
        audit.acting_through_api_token(token.pk)
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        raw = raw_token_from(request)
        if raw is None:
            return None
        token = ApiToken.objects.authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid, has expired or was revoked."))
        audit.acting_through_api_token(token.pk)
        user = token.acting_user
        user.api_token = token
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
