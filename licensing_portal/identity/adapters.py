"""allauth socialaccount adapter: one hidden `openid_connect` app per organisation, built from SSOProvider rows
(the secret is decrypted only here), and the IDN-1 check on every assertion before anyone is signed in."""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.shortcuts import render

from licensing_portal.core.adapters import signup_language
from licensing_portal.identity import selectors, sso
from licensing_portal.identity.models import SSOProvider

OIDC = "openid_connect"


def social_app(provider: SSOProvider) -> SocialApp:
    """An unsaved SocialApp: allauth keeps one per provider_id, we keep ours encrypted in our own table."""
    return SocialApp(
        provider=OIDC,
        provider_id=provider.provider_id,
        name=provider.organization.name,
        client_id=provider.client_id,
        secret=provider.client_secret,
        settings={
            "server_url": provider.issuer,
            "hidden": True,  # never listed on the sign-in page; reached from the email only
            "oauth_pkce_enabled": True,
            "token_auth_method": "client_secret_basic",
        },
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        providers = selectors.enabled_providers()
        if provider and provider != OIDC:
            wanted = selectors.sso_by_provider_id(provider)
            providers = providers.filter(pk=wanted.pk) if wanted else providers.none()
        if client_id:
            providers = providers.filter(client_id=client_id)
        return apps + [social_app(p) for p in providers]

    def save_user(self, request, sociallogin, form=None):
        """An account created by signing in through SSO speaks the language of that sign-in, as a signed-up one
        does (ACC-5, IDN-1)."""
        sociallogin.user.language = signup_language()
        return super().save_user(request, sociallogin, form=form)

    def pre_social_login(self, request, sociallogin) -> None:
        provider = selectors.sso_by_provider_id(sociallogin.account.provider or "")
        if provider is None and not sociallogin.account.provider.startswith("org"):
            return super().pre_social_login(request, sociallogin)
        claims = sso.claims_of(sociallogin)
        email = str(claims.get("email") or "").strip().lower()
        verified = any(address.verified and address.email.lower() == email for address in sociallogin.email_addresses)
        reason = sso.refusal_reason(provider=provider, email=email, email_verified=verified)
        if reason:
            sso.refusal_record(provider=provider, email=email, reason=reason)
            raise ImmediateHttpResponse(
                render(
                    request,
                    "identity/sso_refused.html",
                    {"email": email, "organization": provider.organization if provider else None},
                    status=403,
                )
            )
        return super().pre_social_login(request, sociallogin)
