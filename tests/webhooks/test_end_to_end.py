"""API-4 end to end: a real HTTP receiver gets a signed delivery for a grant change made by the real service, and
checks it with the code docs/webhooks.md gives receivers; a failing receiver gets retries, then a failed delivery
that support resends from admin."""

import re
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse

from licensing_portal.core.models import AuditEvent
from licensing_portal.webhooks.models import WebhookDelivery
from permissions.models import Role
from permissions.services import person_roles_set
from tests.webhooks.conftest import register

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verify():
    """The `verify` function of docs/webhooks.md, exactly as a receiver would copy it."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S)[1]
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation's example
    return namespace["verify"]


def change_grant(lid, actor, email="pat@contoso.example", roles=(Role.DOWNLOAD,)):
    person_roles_set(licensing_id=lid, email=email, roles=list(roles), actor=actor, adding=True)


def test_api4_grant_change_reaches_a_real_receiver_signed_and_verifiable(
    client,
    tenant,
    other_tenant,
    contoso_lid,
    contoso_admin,
    fabrikam_admin,
    receiver,
    django_capture_on_commit_callbacks,
):
    rx, other_rx = receiver(), receiver()
    endpoint, secret = register(client, contoso_admin, tenant, rx.url)
    register(client, fabrikam_admin, other_tenant, other_rx.url, events=["grant", "seat", "permission_request"])
    with django_capture_on_commit_callbacks(execute=True):
        change_grant(contoso_lid, contoso_admin)

    assert len(rx.hits) == 1
    hit = rx.hits[0]
    verify = documented_verify()
    timestamp, signature = hit.headers["X-Webhook-Timestamp"], hit.headers["X-Signature"]
    assert verify(secret, timestamp, hit.body, signature)
    assert not verify(secret, timestamp, hit.body.replace(b"download", b"administrator"), signature)
    assert not verify(secret + "x", timestamp, hit.body, signature)
    assert not verify(secret, str(int(timestamp) - 3600), hit.body, signature)  # replayed an hour later
    event = hit.json
    assert event["type"] == "grant.added" == hit.headers["X-Webhook-Event"]
    assert event["licensing_id"]["number"] == contoso_lid.number
    assert event["organization_id"] == tenant.pk
    assert event["data"]["target_email"] == "pat@contoso.example"
    assert event["data"]["after"]["roles"] == [Role.DOWNLOAD]
    assert hit.headers["Content-Type"] == "application/json" and hit.path == "/hooks/portal"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 1, 200)
    assert hit.headers["X-Webhook-Id"] == str(delivery.uuid) == event["id"]
    # another organisation's endpoint hears nothing about Contoso's licensing ID
    assert other_rx.hits == []
    assert not WebhookDelivery.objects.exclude(endpoint=endpoint).exists()
    # the secret is stored encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored and endpoint.secret == secret


def test_api4_delivery_is_written_in_the_event_transaction(tenant, contoso_lid, contoso_admin, receiver, client):
    """A change that rolls back leaves neither its audit row nor a delivery."""
    register(client, contoso_admin, tenant, receiver().url)
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        change_grant(contoso_lid, contoso_admin)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the service failed after auditing")
    assert WebhookDelivery.objects.count() == 0 and AuditEvent.objects.count() == before


def test_api4_failing_receiver_gets_retries_then_failed_and_support_resends_from_admin(
    client, settings, tenant, contoso_lid, contoso_admin, staff, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    rx = receiver(status=500)
    endpoint, secret = register(client, contoso_admin, tenant, rx.url)
    with django_capture_on_commit_callbacks(execute=True):
        change_grant(contoso_lid, contoso_admin)
    assert len(rx.hits) == 3  # eager Celery runs each retry at once; the worker test checks the waits
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == (
        "failed",
        3,
        500,
        "HTTP 500",
    )
    assert all(
        documented_verify()(secret, h.headers["X-Webhook-Timestamp"], h.body, h.headers["X-Signature"]) for h in rx.hits
    )

    rx.status = 200  # the receiver recovers; support resends from the admin delivery log
    client.force_login(staff)
    changelist = reverse("admin:webhooks_webhookdelivery_changelist")
    listing = client.get(changelist).content.decode()
    assert "HTTP 500" in listing and secret not in listing
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(changelist, {"action": "resend", "_selected_action": [delivery.pk], "index": 0})
    assert resp.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 1, 200)
    assert len(rx.hits) == 4 and rx.hits[-1].json["id"] == rx.hits[0].json["id"]  # same id: receivers dedupe
    resent = AuditEvent.objects.get(verb="webhook.delivery_resent")
    assert resent.actor == staff and f"delivery={delivery.pk}" in resent.detail and "via=admin" in resent.detail
    assert (
        secret not in client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])).content.decode()
    )
    assert (
        secret not in client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    )


def test_api4_failed_delivery_resent_from_the_portal_delivery_log(
    client, settings, tenant, contoso_lid, contoso_admin, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    rx = receiver(status=503)
    endpoint, _secret = register(client, contoso_admin, tenant, rx.url)
    with django_capture_on_commit_callbacks(execute=True):
        change_grant(contoso_lid, contoso_admin)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    log = client.get(endpoint.get_absolute_url()).content.decode()
    assert 'data-status="failed"' in log and "HTTP 503" in log
    assert reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]) in log
    rx.status = 204
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]))
    assert resp.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code) == ("sent", 204)
    assert AuditEvent.objects.filter(verb="webhook.delivery_resent", actor=contoso_admin).exists()
    assert client.get(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])).status_code == 405


def test_api4_retry_delay_is_exponential_with_jitter_and_capped(settings):
    from licensing_portal.webhooks.services import retry_delay

    settings.WEBHOOKS_RETRY_BACKOFF, settings.WEBHOOKS_RETRY_BACKOFF_MAX = 10, 300
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (12, 300)]:
        delays = {retry_delay(attempts) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), attempts
        assert len(delays) > 1  # jittered


def test_api4_support_group_staff_resend_from_admin_and_never_see_the_secret(
    client, tenant, contoso_lid, contoso_admin, receiver, django_capture_on_commit_callbacks
):
    """Least-privilege support staff (ADM-1), not superusers, have the delivery log and its resend action."""
    from django.contrib.auth.models import Group

    from licensing_portal.staff import SUPPORT_GROUP
    from tests.factories import UserFactory

    rx = receiver(status=500)
    endpoint, secret = register(client, contoso_admin, tenant, rx.url)
    with django_capture_on_commit_callbacks(execute=True):
        change_grant(contoso_lid, contoso_admin)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "failed"
    support = UserFactory(email="sam@portal.example", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    client.force_login(support)
    for url in (
        reverse("admin:webhooks_webhookdelivery_changelist"),
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]),
        reverse("admin:webhooks_webhookendpoint_changelist"),
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200 and secret not in page.content.decode(), url
    rx.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "resend", "_selected_action": [delivery.pk], "index": 0},
        )
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert AuditEvent.objects.filter(verb="webhook.delivery_resent", actor=support).exists()
