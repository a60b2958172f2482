"""Reads for domains and single sign-on (IDN-1, IDN-2)."""

from __future__ import annotations

from django.db import models
from django.http import Http404

from licensing_portal.identity.models import SSOProvider, VerifiedDomain
from licensing_portal.tenancy import administered_organization_ids, administered_organizations


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def administered_organizations_overview(*, user) -> models.QuerySet:
    """The organisations the person administers with their domains and provider status: three queries."""
    return administered_organizations(user).prefetch_related(
        models.Prefetch("identity_domains", queryset=VerifiedDomain.objects.order_by("domain")),
        models.Prefetch("identity_sso", queryset=SSOProvider.objects.only("organization_id", "enabled", "require_sso")),
    )


def domains_of(*, organization) -> models.QuerySet:
    return VerifiedDomain.objects.filter(organization=organization).order_by("domain")


def domain_get(*, user, pk: int) -> VerifiedDomain:
    """A domain of an organisation the person administers, else 404."""
    domain = (
        VerifiedDomain.objects.select_related("organization")
        .filter(pk=pk, organization_id__in=administered_organization_ids(user))
        .first()
    )
    if domain is None:
        raise Http404
    return domain


def sso_of(*, organization) -> SSOProvider | None:
    return SSOProvider.objects.filter(organization=organization).first()


def sso_for_email(email: str) -> SSOProvider | None:
    """The enabled provider of the organisation that verified the email's domain, or None (one query)."""
    domain = email_domain(email)
    if not domain:
        return None
    return (
        SSOProvider.objects.select_related("organization")
        .filter(
            enabled=True,
            organization__identity_domains__domain=domain,
            organization__identity_domains__verified_at__isnull=False,
        )
        .first()
    )


def sso_by_provider_id(provider_id: str) -> SSOProvider | None:
    if not (provider_id.startswith("org") and provider_id[3:].isdigit() and len(provider_id) <= 21):
        return None
    return SSOProvider.objects.select_related("organization").filter(organization_id=int(provider_id[3:])).first()


def verified_domain_names(*, organization_id: int) -> set[str]:
    return set(
        VerifiedDomain.objects.filter(organization_id=organization_id, verified_at__isnull=False).values_list(
            "domain", flat=True
        )
    )


def in_verified_domain(*, organization_id: int, email: str) -> bool:
    """The email is in a domain the organisation proved (IDN-2): its directory and its provider vouch for it."""
    return bool(email) and email_domain(email) in verified_domain_names(organization_id=organization_id)


def enabled_providers() -> models.QuerySet:
    return SSOProvider.objects.filter(enabled=True).select_related("organization")
