"""Which organisations a person administers, asked of the domain's own rule through a setting (the kernel imports
no domain app): IDENTITY_ADMINISTERED_ORGANIZATIONS names a function `(user) -> values("organization_id")`
subquery; the portal uses permissions.policies.customer_organization_ids (the organisation's own administrators,
never a partner acting through delegated access, SEC-6)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils.module_loading import import_string


def administered_organization_ids(user) -> models.QuerySet:
    return import_string(settings.IDENTITY_ADMINISTERED_ORGANIZATIONS)(user)


def administered_organizations(user) -> models.QuerySet:
    Organization = apps.get_model("agreements", "Organization")
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(pk__in=administered_organization_ids(user)).order_by("name", "pk")


def organization_or_404(user, pk: int):
    """One organisation the person administers; anybody else's (or a missing one) answers 404."""
    organization = administered_organizations(user).filter(pk=pk).first()
    if organization is None:
        raise Http404
    return organization
