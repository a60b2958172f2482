"""Reads of the webhooks kernel: an endpoint and its deliveries reach only administrators of its organisation;
anyone else gets 404, as for a missing one (SEC-1)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from licensing_portal.queues import QueueStats, queue_stats
from licensing_portal.tenancy import administered_organization_ids
from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint

Organization = WebhookEndpoint._meta.get_field("organization").related_model


def endpoint_list(*, user) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.filter(organization__in=administered_organization_ids(user))
        .select_related("organization")
        .annotate(failed_count=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)))
        .defer("secret")
        .order_by("organization__name", "-created_at")
    )


def endpoint_get(*, user, pk: int) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.filter(organization__in=administered_organization_ids(user))
        .select_related("organization")
        .defer("secret"),
        pk=pk,
    )


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).defer("payload").order_by("-created_at", "-id")


def delivery_get(*, user, endpoint_pk: int, pk: int) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_pk, endpoint__organization__in=administered_organization_ids(user)
        ).defer("payload"),
        pk=pk,
    )


def delivery_stats() -> QueueStats:
    """For /metrics (OPS-2)."""
    Status = WebhookDelivery.Status
    return queue_stats(WebhookDelivery.objects, pending=Status.PENDING, failed=Status.FAILED)
