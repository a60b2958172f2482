"""Writes for verified domains (IDN-2) and the organisation's OpenID Connect provider (IDN-1); every one audited."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal import audit, dns
from licensing_portal.errors import ApplicationError
from licensing_portal.identity.models import SSOProvider, VerifiedDomain

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def domain_normalize(value: str) -> str:
    """A lower-case ASCII (IDNA) host name with at least two labels, or ApplicationError (SEC-3)."""
    text = (value or "").strip().lower().rstrip(".")
    if text.startswith("@"):
        text = text[1:]
    try:
        ascii_name = text.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        ascii_name = ""
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ApplicationError(_("Enter a domain name such as contoso.com."))
    if labels[-1].isdigit():
        raise ApplicationError(_("Enter a domain name such as contoso.com."))
    return ascii_name


def _detail(domain: VerifiedDomain) -> str:
    return f"{domain.organization}: {domain.domain}"


@transaction.atomic
def domain_add(*, organization, domain: str, actor) -> VerifiedDomain:
    name = domain_normalize(domain)
    taken = VerifiedDomain.objects.filter(domain=name, verified_at__isnull=False).exclude(organization=organization)
    if taken.exists():
        raise ApplicationError(_("This domain is already verified by another organisation."))
    if VerifiedDomain.objects.filter(domain=name, organization=organization).exists():
        raise ApplicationError(_("This domain is already listed."))
    row = VerifiedDomain(organization=organization, domain=name)
    row.full_clean()
    row.save()
    audit.record(actor=actor, verb="domain.added", detail=_detail(row))
    return row


def _mark_verified(*, domain: VerifiedDomain, actor, how: str) -> VerifiedDomain:
    domain.verified_at = timezone.now()
    domain.verified_how = how
    try:
        with transaction.atomic():
            domain.save(update_fields=["verified_at", "verified_how"])
    except IntegrityError:
        domain.verified_at = None
        domain.verified_how = ""
        raise ApplicationError(_("This domain is already verified by another organisation.")) from None
    audit.record(actor=actor, verb="domain.verified", detail=f"{_detail(domain)} ({how})")
    return domain


def domain_verify_dns(*, domain: VerifiedDomain, actor) -> VerifiedDomain:
    """Look the TXT record up through the configured resolver (IDN-2); verified when one string is exactly ours.
    No transaction is held open during the lookup; a failed attempt is audited too."""
    if domain.is_verified:
        return domain
    try:
        values = dns.txt_values(domain.txt_name)
    except dns.LookupFailed:
        raise ApplicationError(_("The DNS lookup did not get an answer. Try again in a few minutes.")) from None
    if domain.txt_value not in [value.strip() for value in values]:
        audit.record(actor=actor, verb="domain.verification_failed", detail=_detail(domain))
        raise ApplicationError(
            _("The TXT record was not found yet. DNS changes can take a while to appear; try again later.")
        )
    with transaction.atomic():
        return _mark_verified(domain=domain, actor=actor, how="dns")


@transaction.atomic
def domain_verify_by_staff(*, domain: VerifiedDomain, actor) -> VerifiedDomain:
    """Support staff vouch for the domain in admin (IDN-2); audited with their name."""
    if domain.is_verified:
        return domain
    return _mark_verified(domain=domain, actor=actor, how="staff")


@transaction.atomic
def domain_remove(*, domain: VerifiedDomain, actor) -> None:
    audit.record(actor=actor, verb="domain.removed", detail=_detail(domain))
    domain.delete()


@transaction.atomic
def sso_save(
    *, organization, issuer: str, client_id: str, client_secret: str, enabled: bool, require_sso: bool, actor
) -> SSOProvider:
    """Register or change the organisation's provider. An empty secret keeps the stored one (it is never shown
    back); a new registration needs one."""
    provider = SSOProvider.objects.filter(organization=organization).select_for_update().first()
    before = {}
    if provider is None:
        if not client_secret:
            raise ApplicationError(_("Enter the client secret."))
        provider = SSOProvider(organization=organization)
    else:
        before = {
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "enabled": provider.enabled,
            "require_sso": provider.require_sso,
        }
    provider.issuer = issuer.strip().rstrip("/")
    provider.client_id = client_id.strip()
    if client_secret:
        provider.client_secret = client_secret
    provider.enabled = enabled
    provider.require_sso = require_sso
    provider.full_clean()
    provider.save()
    after = {"issuer": provider.issuer, "client_id": provider.client_id, "enabled": enabled, "require_sso": require_sso}
    if client_secret:
        after["client_secret"] = "changed"  # noqa: S105 - a marker, never the secret
    audit.record(actor=actor, verb="sso.configured", before=before, after=after, detail=str(organization))
    return provider


@transaction.atomic
def sso_remove(*, organization, actor) -> None:
    deleted, _rows = SSOProvider.objects.filter(organization=organization).delete()
    if deleted:
        audit.record(actor=actor, verb="sso.removed", detail=str(organization))
