"""Single sign-on through each organisation's OpenID Connect provider (IDN-1): starting the flow, accepting or
refusing what the provider asserts, and what a successful sign-in changes (audited)."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.db import transaction
from django.shortcuts import render

from licensing_portal import audit
from licensing_portal.identity import selectors
from licensing_portal.identity.models import SSOProvider


def claims_of(sociallogin) -> dict:
    """The provider's claims as allauth keeps them: userinfo if fetched, else the ID token."""
    data = sociallogin.account.extra_data or {}
    return data.get("userinfo") or data.get("id_token") or data


def start(request, provider: SSOProvider, next_url: str | None):
    """Send the browser to the organisation's provider (authorization code + PKCE, state kept in the session by
    allauth). The sign-in form was POSTed, and the portal's CSP `form-action 'self'` forbids a form submission to
    end at another origin, so the answer is a page that moves on by itself (meta refresh, no script) with a link."""
    oidc = get_adapter(request).get_provider(request, provider.provider_id)
    redirect = oidc.redirect(request, AuthProcess.LOGIN, next_url=next_url or None)
    if redirect.status_code not in (301, 302, 303):
        return redirect
    return render(
        request,
        "identity/sso_continue.html",
        {"url": redirect["Location"], "organization": provider.organization},
    )


def refusal_reason(*, provider: SSOProvider | None, email: str, email_verified: bool) -> str | None:
    """Why the assertion is refused, or None: the provider must be enabled and assert a verified email in one of
    its organisation's verified domains (IDN-1, IDN-2)."""
    if provider is None or not provider.enabled:
        return "provider not enabled"
    if not email:
        return "no email asserted"
    if not email_verified:
        return "email not verified by the provider"
    if not selectors.in_verified_domain(organization_id=provider.organization_id, email=email):
        return "email outside the organisation's verified domains"
    return None


def refusal_record(*, provider: SSOProvider | None, email: str, reason: str) -> None:
    audit.record(
        actor=None,
        verb="sso.refused",
        target_email=email[:254],
        detail=f"{provider.organization if provider else '?'}: {reason}",
    )


@transaction.atomic
def signed_in(*, user, provider: SSOProvider, email: str) -> None:
    """The provider's verified email in a verified domain of its organisation is a verified business email
    (ACC-2) when the person has none yet; every SSO sign-in is audited."""
    from licensing_portal.core.services import business_email_adopt_confirmed

    business_email_adopt_confirmed(
        user=user, email=email, how=f"single sign-on, organization={provider.organization_id}"
    )
    audit.record(actor=user, verb="sso.signed_in", target_email=email, detail=str(provider.organization))


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """allauth's user_logged_in receiver: only sign-ins through an organisation's provider."""
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is None:
        return
    provider = selectors.sso_by_provider_id(sociallogin.account.provider or "")
    if provider is None:
        return
    email = (claims_of(sociallogin).get("email") or "").strip().lower()
    signed_in(user=user, provider=provider, email=email)
