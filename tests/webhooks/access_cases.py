"""Access cases of the webhooks pages (format: tests/access_matrix.py). Contoso's endpoint is reached only by
Contoso's administrators (its own, and the MBSA's inherited administrator); everyone else gets 404 (API-4)."""

from tests.access_matrix import ADMINS, Case, Kind


def _endpoint(world):
    return {"pk": world["webhook_endpoint"].pk}


def _delivery(world):
    return {"pk": world["webhook_endpoint"].pk, "delivery_pk": world["webhook_delivery"].pk}


def extend_world(world: dict) -> None:
    from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        organization=world["tenant"], url="https://hooks.contoso.example/portal", event_types="|grant|", secret="s"
    )
    world["webhook_endpoint"] = endpoint
    world["webhook_delivery"] = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="grant.added", audit_event_id=1, payload={}, status="failed"
    )


CASES = [
    Case("webhooks:list", Kind.LOGIN),
    Case("webhooks:create", Kind.LOGIN),
    Case("webhooks:detail", Kind.TENANT, kwargs=_endpoint, allowed=ADMINS),
    Case("webhooks:delete", Kind.TENANT, method="post", kwargs=_endpoint, allowed=ADMINS),
    Case("webhooks:resend", Kind.TENANT, method="post", kwargs=_delivery, allowed=ADMINS),
]
