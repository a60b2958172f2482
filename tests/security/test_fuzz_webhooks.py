"""Webhook pages and the admin delivery log under hostile input (SEC-3 API-4). Names resolve through the webhook
tests' own DNS server: a generated host name never reaches the machine's resolver."""

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from licensing_portal.webhooks.events import CATEGORY_NAMES
from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.security.fuzz import fuzz_form, hostile_text, portal_snapshot
from tests.security.test_fuzz_support import _action
from tests.webhooks.conftest import _own_dns, dns_zone  # noqa: F401 - fixtures: our own DNS server, autouse

pytestmark = pytest.mark.django_db

N = 8


def _endpoint(world):
    return WebhookEndpoint.objects.create(
        organization=world["tenant"], url="https://hooks.contoso.example/portal", event_types="|grant|", secret="s"
    )


def test_endpoint_create(client, world):  # SEC-3 API-4
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("webhooks:create"),
        {
            "organization": st.one_of(
                st.just(str(world["tenant"].pk)), st.just(str(world["other_tenant"].pk)), hostile_text()
            ),
            "url": st.one_of(
                st.just("http://169.254.169.254/latest/meta-data/"), st.just("http://10.0.0.1/"), hostile_text()
            ),
            "description": hostile_text(),
            "events": st.lists(st.one_of(st.sampled_from(sorted(CATEGORY_NAMES)), hostile_text()), max_size=3),
        },
        valid={
            "organization": str(world["tenant"].pk),
            "url": "http://127.0.0.1:9/hook",
            "description": "ERP & <co>",
            "events": ["grant"],
        },
        snapshot=portal_snapshot(),
        accepted=lambda r: r.status_code == 302 and r["Location"].startswith("/webhooks/"),
        shows=[reverse("webhooks:list")],
        max_examples=N,
    )


def test_endpoint_delete(client, world):  # SEC-3 API-4
    endpoint = _endpoint(world)
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("webhooks:delete", args=[endpoint.pk]),
        ["confirm"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()  # only the button's own value deletes


def test_delivery_resend(client, world):  # SEC-3 API-4
    endpoint = _endpoint(world)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="grant.added", audit_event_id=1, payload={}, status="failed"
    )
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]),
        ["status", "delivery_pk"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_admin_delivery_resend(client, world):  # SEC-3 ADM-1 API-4
    endpoint = _endpoint(world)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="grant.added", audit_event_id=1, payload={}, status="failed"
    )
    client.force_login(world["users"]["staff"])
    fuzz_form(
        client,
        reverse("admin:webhooks_webhookdelivery_changelist"),
        _action("resend", st.one_of(st.just(str(delivery.pk)), st.integers().map(str), hostile_text())),
        valid={"action": "resend", "_selected_action": [str(delivery.pk)], "index": "0", "select_across": "0"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )
    for query in ["<script>alert(1)</script>", "\x00", "' OR 1=1 --", "9" * 5000]:
        for name in ("webhookdelivery", "webhookendpoint"):
            response = client.get(reverse(f"admin:webhooks_{name}_changelist"), {"q": query})
            assert response.status_code in (200, 302)
