"""Webhooks against real services (API-4): the grant change commits, the delivery goes through Redis to a Celery
worker process, which signs it and POSTs it to a real receiver; a receiver answering 500 gets retries spaced by
the exponential backoff with jitter, then a failed delivery, which a resend delivers once the receiver recovers."""

import pytest

from licensing_portal.webhooks.models import WebhookDelivery
from licensing_portal.webhooks.services import delivery_resend, endpoint_register
from permissions.models import Role
from permissions.services import person_roles_set
from tests.factories import LicensingIDFactory, UserFactory, grant
from tests.integration.conftest import wait_for
from tests.webhooks.conftest import Receiver, _start
from tests.webhooks.test_end_to_end import documented_verify

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 4


@pytest.fixture(scope="module")
def webhook_worker(worker_factory):
    return worker_factory(
        WEBHOOKS_RETRY_BACKOFF="1", WEBHOOKS_RETRY_BACKOFF_MAX="8", WEBHOOKS_MAX_ATTEMPTS=str(ATTEMPTS)
    )


@pytest.fixture
def failing_receiver():
    rx = Receiver(status=500)
    _start(rx)
    yield rx
    rx.server.shutdown()
    rx.server.server_close()


def test_api4_worker_retries_with_backoff_then_fails_and_a_resend_delivers(
    tenant, staff, failing_receiver, webhook_worker, real_broker
):
    rx = failing_receiver
    contoso_lid = LicensingIDFactory(organization=tenant)
    contoso_admin = grant(UserFactory(email="admin@contoso.example"), contoso_lid, Role.ADMINISTRATOR)
    endpoint, secret = endpoint_register(actor=contoso_admin, organization=tenant, url=rx.url, categories=["grant"])
    person_roles_set(
        licensing_id=contoso_lid, email="pat@contoso.example", roles=[Role.DOWNLOAD], actor=contoso_admin, adding=True
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="failed").exists(),
        timeout=40,
        what="the delivery to fail after its retries",
    )
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code) == (ATTEMPTS, 500)
    times = [hit.at for hit in rx.hits]
    assert len(times) == ATTEMPTS
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # after attempt n the wait is 1 s * 2^(n-1), jittered into its upper half: >= 0.5, 1, 2 s
    assert all(gap >= 0.5 * 2**n - 0.05 for n, gap in enumerate(gaps)), gaps
    verify = documented_verify()
    assert all(verify(secret, h.headers["X-Webhook-Timestamp"], h.body, h.headers["X-Signature"]) for h in rx.hits)

    rx.status = 200
    assert delivery_resend(actor=staff, webhook_delivery_ids=[delivery.pk], via="admin") == 1
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="sent").exists(),
        timeout=20,
        what="the resent delivery to arrive",
    )
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code) == (1, 200)
    assert len(rx.hits) == ATTEMPTS + 1 and rx.hits[-1].json["type"] == "grant.added"
