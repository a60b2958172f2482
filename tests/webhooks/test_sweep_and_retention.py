"""API-4 reliability: rows the broker never saw are sent by the sweep (after the retry schedule, never before it);
delivered rows are purged after WEBHOOKS_SENT_RETENTION_DAYS, failed ones are kept for a resend."""

from datetime import timedelta

import pytest
from django.utils import timezone

from licensing_portal.webhooks.models import WebhookDelivery
from licensing_portal.webhooks.services import delivery_sent_purge, delivery_sweep, endpoint_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(tenant, contoso_admin, receiver):
    rx = receiver()
    endpoint, _secret = endpoint_register(actor=contoso_admin, organization=tenant, url=rx.url, categories=["grant"])
    endpoint.rx = rx
    return endpoint


def _row(endpoint, **fields):
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="grant.added", audit_event_id=1, payload={"type": "grant.added"}, **fields
    )


def test_api4_sweep_sends_rows_the_broker_never_saw_and_respects_the_retry_schedule(endpoint, settings):
    settings.WEBHOOKS_RETRY_BACKOFF_MAX = 60
    now = timezone.now()
    lost = _row(endpoint)
    WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=5))
    fresh = _row(endpoint)  # its own task is about to run
    waiting = _row(endpoint, attempts=2, last_attempt_at=now - timedelta(seconds=20))  # its retry is scheduled
    WebhookDelivery.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(minutes=5))
    assert delivery_sweep() == 1  # eager in tests: sent at once
    assert WebhookDelivery.objects.get(pk=lost.pk).status == "sent"
    assert (
        WebhookDelivery.objects.get(pk=fresh.pk).status
        == WebhookDelivery.objects.get(pk=waiting.pk).status
        == "pending"
    )
    assert len(endpoint.rx.hits) == 1


def test_api4_delivered_rows_are_purged_after_retention_failed_ones_stay(endpoint, settings):
    settings.WEBHOOKS_SENT_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    gone = _row(endpoint, status="sent", delivered_at=old)
    recent = _row(endpoint, status="sent", delivered_at=timezone.now())
    failed = _row(endpoint, status="failed", last_attempt_at=old)
    assert delivery_sent_purge() == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert gone.pk not in set(WebhookDelivery.objects.values_list("pk", flat=True))


def test_api4_ops2_metrics_count_pending_and_failed_deliveries(client, settings, endpoint):
    from prometheus_client.parser import text_string_to_metric_families

    settings.METRICS_TOKEN = "scrape-secret"
    _row(endpoint)
    _row(endpoint, status="failed")
    _row(endpoint, status="failed")
    _row(endpoint, status="sent")
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").content.decode()
    samples = {s.name: s.value for family in text_string_to_metric_families(body) for s in family.samples}
    assert samples["portal_webhook_pending"] == 1 and samples["portal_webhook_failed"] == 2
    assert samples["portal_webhook_oldest_pending_age_seconds"] >= 0
