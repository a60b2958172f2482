"""Tenant scoping for the kernel (SEC-1), below the domain: this module imports no app.

A user reaches a licensing ID only through a permission grant held by their *verified* business email
(ACC-2, ACC-3). WHO holds WHAT is answered by the access core, `permissions/access.py`, the one owner of that
rule (PERM-8 inheritance, the grant time bound). Every model that hangs off a licensing ID uses
`LicensingScopedQuerySet.visible_to(user, roles=...)`, which asks the function named in
`settings.PORTAL_ACCESS_SCOPE` (the access core's `accessible_licensing_ids`), so an object outside the user's
reach answers 404 exactly like a missing one. Domain code imports `permissions.access` directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils.module_loading import import_string


def business_email_of(user) -> str | None:
    """The verified business email through which `user` holds grants (None before it is confirmed: ACC-2)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.verified_business_email


@cache
def _scope(path: str):
    return import_string(path)


def accessible_licensing_ids(user, *, roles: Iterable[str] | None = None) -> models.QuerySet:
    """A one-column subquery of the licensing ID pks on which `user` holds any of `roles`, from the resolver
    named in `settings.PORTAL_ACCESS_SCOPE` (right of `__in` only)."""
    return _scope(settings.PORTAL_ACCESS_SCOPE)(user, roles=roles)


class LicensingScopedQuerySet(models.QuerySet):
    """Rows that belong to a licensing ID; `licensing_id_path` is the lookup from the row to its pk."""

    licensing_id_path = "licensing_id"

    def visible_to(self, user, *, roles: Iterable[str] | None = None):
        return self.filter(**{f"{self.licensing_id_path}__in": accessible_licensing_ids(user, roles=roles)})


def administered_organization_ids(user) -> models.QuerySet:
    """A one-column subquery of the organisations whose organisation-wide tools `user` manages, from the resolver
    named in `settings.PORTAL_ADMINISTERED_ORGANIZATIONS` (the access core's; right of `__in` only)."""
    return _scope(settings.PORTAL_ADMINISTERED_ORGANIZATIONS)(user)


def may_administer_organization(user, organization) -> bool:
    """Manages the organisation's API service tokens, webhooks, domains, SSO and SCIM (API-2, API-4, IDN-1..3)."""
    return (
        organization is not None
        and type(organization).objects.filter(pk=organization.pk, pk__in=administered_organization_ids(user)).exists()
    )


def administered_organizations(user) -> models.QuerySet:
    """The organisations `user` administers, by name. The tenant model is named by string: no domain import."""
    organizations = apps.get_model("agreements", "Organization").objects
    return organizations.filter(pk__in=administered_organization_ids(user)).order_by("name", "pk")


def administered_organization_or_404(user, pk: int):
    """One organisation `user` administers; anybody else's, or a missing one, answers 404 (SEC-1)."""
    organization = administered_organizations(user).filter(pk=pk).first()
    if organization is None:
        raise Http404
    return organization
