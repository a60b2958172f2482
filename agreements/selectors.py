"""Reads of the agreements domain, always scoped to what the user may see (SEC-1)."""

from __future__ import annotations

from django.db.models import QuerySet

from agreements.models import LicensingID


def licensing_id_list(*, user, include_inactive: bool = False) -> QuerySet[LicensingID]:
    qs = LicensingID.objects.visible_to(user).select_related("organization", "parent", "parent__parent")
    if not include_inactive:
        qs = qs.filter(status=LicensingID.Status.ACTIVE)
    return qs.order_by("number")


def licensing_id_get(*, user, pk: int) -> LicensingID:
    """The licensing ID if the user holds any role on it; otherwise Http404 (same as missing)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(LicensingID.objects.visible_to(user).select_related("organization", "parent"), pk=pk)
