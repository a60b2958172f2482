"""The organisations whose domains and single sign-on a person manages: the access core's answer, through the
kernel's `tenancy.administered_organization_ids` (the kernel imports no domain app)."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.http import Http404

from licensing_portal.tenancy import administered_organization_ids


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
