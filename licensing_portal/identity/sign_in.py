"""The sign-in page asks for the email first (IDN-1): an email of a verified domain whose organisation has a
provider goes there (a POST starts the flow, never a GET); every other email continues with its password through
allauth's own view, limits and second factors included. The sign-up page routes the same way: an email of an SSO
domain is sent to its provider (which creates the account on the way back), never given a password account."""

from __future__ import annotations

import logging

import requests
from allauth.account.views import login as allauth_login
from allauth.account.views import signup as allauth_signup
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from licensing_portal.identity import selectors, sso

logger = logging.getLogger(__name__)
UNREACHABLE = _("Your organisation's sign-in service is not answering right now. Try again in a few minutes.")


def _next_url(request) -> str | None:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def provider_for(email: str):
    """The SSO provider an email posted to the sign-in or sign-up page is sent to, or None."""
    email = (email or "").strip()
    return selectors.sso_for_email(email) if "@" in email and len(email) <= 254 else None


def _to_provider(request, provider, next_url: str | None):
    try:
        return sso.start(request, provider, next_url)
    except (requests.RequestException, ValueError, KeyError):
        # The provider's discovery document did not answer (or was not JSON): say so, change nothing.
        logger.warning("sso provider unreachable: organisation %s", provider.organization_id)
        messages.error(request, UNREACHABLE)
        return redirect(request.get_full_path())


def login(request, *args, **kwargs):
    if request.method == "POST" and not request.user.is_authenticated:
        provider = provider_for(request.POST.get("login"))
        if provider is not None:
            next_url = _next_url(request)
            # Break-glass: with "require SSO", a password posted on the way to /admin/ is still checked (staff
            # only; forms_auth.LoginForm refuses everybody else's).
            to_admin = bool(next_url and next_url.startswith("/admin/"))
            if not request.POST.get("password") or (provider.require_sso and not to_admin):
                return _to_provider(request, provider, next_url)
    return allauth_login(request, *args, **kwargs)


def signup(request, *args, **kwargs):
    if request.method == "POST" and not request.user.is_authenticated:
        provider = provider_for(request.POST.get("email"))
        if provider is not None:
            return _to_provider(request, provider, _next_url(request))
    return allauth_signup(request, *args, **kwargs)
