"""Deliveries written in the transaction of the event (API-4), on licensing_portal/audit.py's `recorded` signal for
every audited decision. With no endpoint subscribed to the event's category this costs one indexed query."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django_guid import get_guid

from licensing_portal.webhooks import hooks
from licensing_portal.webhooks.events import category_of, event_types_for
from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from licensing_portal.core.models import AuditEvent


def payload(event: AuditEvent, event_type: str, organization_id: int, delivery_id: str) -> dict:
    """What the receiver gets: JSON-safe values only, nothing another organisation could not see in its own
    audit log."""
    lid = event.licensing_id if event.licensing_id_id else None
    return {
        "id": delivery_id,
        "type": event_type,
        "created_at": event.created_at.isoformat(),
        "organization_id": organization_id,
        "licensing_id": {"id": lid.pk, "number": lid.number, "program": lid.program} if lid else None,
        "data": {
            "audit_event_id": event.pk,
            "verb": event.verb,
            "actor_email": event.actor_email,
            "target_email": event.target_email,
            "before": event.before,
            "after": event.after,
            "detail": event.detail,
        },
    }


def deliveries_for_audit(events: list[AuditEvent], **_signal) -> list[WebhookDelivery]:
    """Receiver of `audit.recorded`: the deliveries of these events, in the transaction that wrote them."""
    typed = [(event, types) for event in events if (types := event_types_for(event.verb))]
    if not typed:
        return []
    categories = sorted({category_of(t) for _event, types in typed for t in types})
    subscribed = Q()
    for category in categories:
        subscribed |= Q(event_types__contains=f"|{category}|")
    endpoints = list(
        WebhookEndpoint.objects.filter(subscribed, active=True).values_list("pk", "organization_id", "event_types")
    )
    if not endpoints:
        return []
    seen = hooks.audience([event for event, _types in typed], candidates={org for _pk, org, _s in endpoints})
    request_id = (get_guid() or "")[:64]
    rows = []
    for event, types in typed:
        organizations = seen.get(event.pk, set())
        for endpoint_id, organization_id, stored in endpoints:
            if organization_id not in organizations:
                continue
            for event_type in types:
                if f"|{category_of(event_type)}|" not in stored:
                    continue
                row = WebhookDelivery(
                    endpoint_id=endpoint_id, event_type=event_type, audit_event_id=event.pk, request_id=request_id
                )
                row.payload = payload(event, event_type, organization_id, str(row.uuid))
                rows.append(row)
    if not rows:
        return []
    created = WebhookDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    from licensing_portal.webhooks.services import delivery_dispatch

    transaction.on_commit(lambda: [delivery_dispatch(webhook_delivery_id=pk) for pk in ids])
    return created
