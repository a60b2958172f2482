"""Writes of the webhooks kernel (API-4): register and delete endpoints, send, retry, resend deliveries."""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal import audit
from licensing_portal.errors import ApplicationError
from licensing_portal.tenancy import administered_organization_ids
from licensing_portal.webhooks import addresses, signing, transport
from licensing_portal.webhooks.events import encode_categories
from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status


def may_administer(user, organization_id: int) -> bool:
    organizations = WebhookEndpoint._meta.get_field("organization").related_model.objects
    return organizations.filter(pk=organization_id, pk__in=administered_organization_ids(user)).exists()


def delivery_dispatch(*, webhook_delivery_id: int) -> None:
    """Hand the row to the broker; if the broker is down the row stays pending for the sweep."""
    from licensing_portal.webhooks.tasks import webhook_delivery_task

    try:
        webhook_delivery_task.delay(webhook_delivery_id)
    except Exception:  # broker unreachable: webhook_sweep re-dispatches it
        logger.warning("webhook delivery %s left pending: broker unavailable", webhook_delivery_id, exc_info=True)


@transaction.atomic
def endpoint_register(
    *, actor, organization, url: str, categories: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for an organisation its administrator administers; returns it with its signing secret,
    which is shown this once and kept only encrypted."""
    if not may_administer(actor, organization.pk):
        raise ApplicationError(_("Only an administrator of this organisation can register a webhook."))
    stored = encode_categories(categories)
    if not stored:
        raise ApplicationError(_("Choose at least one kind of event."))
    addresses.checked_target(url)  # RefusedAddress / Unresolvable: ApplicationErrors the page shows
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        organization=organization,
        url=url.strip(),
        description=description.strip(),
        event_types=stored,
        secret=secret,
        created_by=actor,
    )
    endpoint.full_clean()
    endpoint.save()
    audit.record(
        actor=actor,
        verb="webhook.endpoint_registered",
        after={"events": endpoint.categories},
        detail=f"endpoint={endpoint.pk} organization={organization.pk} url={endpoint.url}",
    )
    return endpoint, secret


@transaction.atomic
def endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    audit.record(
        actor=actor,
        verb="webhook.endpoint_deleted",
        detail=f"endpoint={endpoint.pk} organization={endpoint.organization_id} url={endpoint.url}",
    )
    endpoint.delete()


def delivery_resend(*, actor, webhook_delivery_ids: list[int], via: str) -> int:
    """Queue deliveries again from their first attempt (the portal's Resend, the admin action); audited. A
    delivery still pending is left alone: its own retries are under way, a second task would send it twice."""
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=webhook_delivery_ids)
            .exclude(status=Status.PENDING)
            .values_list("pk", "endpoint_id", "event_type")
        )
        WebhookDelivery.objects.filter(pk__in=[pk for pk, *_rest in rows]).update(
            status=Status.PENDING, attempts=0, last_error="", response_code=None, last_attempt_at=None
        )
        for pk, endpoint_id, event_type in rows:
            audit.record(
                actor=actor,
                verb="webhook.delivery_resent",
                detail=f"delivery={pk} endpoint={endpoint_id} event={event_type} via={via}",
            )
            transaction.on_commit(lambda pk=pk: delivery_dispatch(webhook_delivery_id=pk))
    return len(rows)


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: exponential from WEBHOOKS_RETRY_BACKOFF,
    capped at WEBHOOKS_RETRY_BACKOFF_MAX, then jittered into its upper half so receivers are not hit in step."""
    ceiling = min(settings.WEBHOOKS_RETRY_BACKOFF_MAX, settings.WEBHOOKS_RETRY_BACKOFF * 2 ** max(attempts - 1, 0))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def delivery_send(*, webhook_delivery_id: int) -> float | None:
    """Make one attempt at a pending delivery. Returns the seconds to wait before the next attempt, or None when
    there is nothing more to do (delivered, failed for good, refused, or not pending).

    The row is locked (SKIP LOCKED) across the attempt, as the email outbox does: a second worker skips it, and
    a worker that dies leaves it pending for the redelivered task or the sweep."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=webhook_delivery_id, status=Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        endpoint = delivery.endpoint
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.response_code = None
        retry_in = None
        if not endpoint.active:
            delivery.status, delivery.last_error = Status.FAILED, _("The endpoint is disabled.")
        else:
            try:
                target = addresses.checked_target(endpoint.url)  # again at each delivery: DNS may have changed
                body = body_of(delivery)
                timestamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": "LicensingPortal-Webhooks/1",
                    "X-Webhook-Id": str(delivery.uuid),
                    "X-Webhook-Event": delivery.event_type,
                    "X-Webhook-Timestamp": timestamp,
                    "X-Signature": signing.signature(secret=endpoint.secret, timestamp=timestamp, body=body),
                }
                response = transport.post(target, body=body, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT)
            except addresses.RefusedAddress as exc:
                delivery.status, delivery.last_error = Status.FAILED, exc.message  # a refusal is not retried
            except (addresses.Unresolvable, OSError) as exc:
                delivery.last_error = (exc.message if isinstance(exc, ApplicationError) else type(exc).__name__)[:500]
            else:
                delivery.response_code = response.status
                if response.ok:
                    delivery.status, delivery.delivered_at, delivery.last_error = Status.SENT, timezone.now(), ""
                elif response.redirect:
                    delivery.last_error = _("Redirect not followed (HTTP %(code)s).") % {"code": response.status}
                else:
                    delivery.last_error = f"HTTP {response.status}"
            if delivery.status == Status.PENDING:
                if delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
                    delivery.status = Status.FAILED
                else:
                    retry_in = retry_delay(delivery.attempts)
        delivery.save(
            update_fields=["attempts", "last_attempt_at", "response_code", "status", "delivered_at", "last_error"]
        )
    logger.info(
        "webhook delivery %s attempt %s: %s %s",
        webhook_delivery_id,
        delivery.attempts,
        delivery.status,
        delivery.response_code or delivery.last_error,
    )
    return retry_in


def delivery_sweep(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Re-dispatch deliveries the broker never saw (it was down) or whose retry was lost with a worker; a row
    already attempted first waits out the longest backoff, so the sweep never shortcuts the retry schedule."""
    now = timezone.now()
    retry_cutoff = now - older_than - timedelta(seconds=settings.WEBHOOKS_RETRY_BACKOFF_MAX)
    ids = list(
        WebhookDelivery.objects.filter(status=Status.PENDING)
        .filter(
            Q(last_attempt_at__isnull=True, created_at__lte=now - older_than) | Q(last_attempt_at__lte=retry_cutoff)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        delivery_dispatch(webhook_delivery_id=pk)
    return len(ids)


def delivery_sent_purge(*, older_than: timedelta | None = None) -> int:
    """Retention: delivered rows older than WEBHOOKS_SENT_RETENTION_DAYS go, in one DELETE; pending and failed
    rows stay (a failed one may still be resent). The audit log keeps the events themselves."""
    if older_than is None:
        older_than = timedelta(days=settings.WEBHOOKS_SENT_RETENTION_DAYS)
    deleted, _rows = WebhookDelivery.objects.filter(
        status=Status.SENT, delivered_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
