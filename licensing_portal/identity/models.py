"""Verified domains (IDN-2) and each organisation's OpenID Connect provider (IDN-1).

The kernel refers to the tenant by string ("agreements.Organization") and never imports the domain apps."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from licensing_portal.fields import EncryptedTextField

TXT_NAME_PREFIX = "_licensing-portal"
TXT_VALUE_PREFIX = "lp-verify="


def new_txt_token() -> str:
    return secrets.token_urlsafe(24)


class VerifiedDomain(models.Model):
    """A DNS domain an organisation claims, proven by a TXT record (or by support staff in admin). Once verified a
    domain belongs to one organisation only (IDN-2); an unverified claim blocks nobody."""

    organization = models.ForeignKey(
        "agreements.Organization", on_delete=models.CASCADE, related_name="identity_domains"
    )
    domain = models.CharField(_("domain"), max_length=253)
    txt_token = models.CharField(max_length=64, default=new_txt_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_how = models.CharField(max_length=20, blank=True)  # "dns" or "staff"

    class Meta:
        verbose_name = _("verified domain")
        verbose_name_plural = _("verified domains")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="identity_domain_once_per_org"),
            models.UniqueConstraint(
                fields=["domain"], condition=Q(verified_at__isnull=False), name="identity_domain_one_verified_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def txt_name(self) -> str:
        return f"{TXT_NAME_PREFIX}.{self.domain}"

    @property
    def txt_value(self) -> str:
        return f"{TXT_VALUE_PREFIX}{self.txt_token}"


class SSOProvider(models.Model):
    """The organisation's OpenID Connect provider, used for the people of its verified domains (IDN-1). The client
    secret is Fernet ciphertext at rest and is never shown again, to the organisation or to staff."""

    organization = models.OneToOneField(
        "agreements.Organization", on_delete=models.CASCADE, related_name="identity_sso"
    )
    issuer = models.URLField(_("issuer URL"), max_length=500)
    client_id = models.CharField(_("client ID"), max_length=255)
    client_secret = EncryptedTextField(_("client secret"))
    enabled = models.BooleanField(_("enabled"), default=True)
    require_sso = models.BooleanField(
        _("require single sign-on"),
        default=False,
        help_text=_("Password sign-in and password reset are refused for the organisation's verified domains."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")

    def __str__(self) -> str:
        return self.issuer

    @property
    def provider_id(self) -> str:
        """allauth's subprovider id; the callback is /accounts/oidc/<provider_id>/login/callback/."""
        return f"org{self.organization_id}"
