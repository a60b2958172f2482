"""The outbox against real services: Redis broker, a Celery worker process, an SMTP server (NOTE-1, NOTE-2)."""

import re
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from licensing_portal.core import services as core_services
from licensing_portal.core.models import User
from notifications.models import OutgoingEmail
from notifications.tasks import email_send_task, email_sweep_task
from tests.integration.conftest import BROKER_URL, publishing_to, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DELIVERY_TIMEOUT = 20


def _signed_in(client, email="person@gmail.example"):
    user = User.objects.create_user(email=email, password="x" * 12)
    client.force_login(user)
    return user


def _request_validation(client, business_email="person@contoso.example"):
    started = time.monotonic()
    response = client.post("/profile/business-email/", {"business_email": business_email})
    return response, time.monotonic() - started


def test_validation_email_travels_outbox_broker_worker_smtp(client, sink, worker, real_broker):  # NOTE-1 ACC-2
    user = _signed_in(client)
    response, _ = _request_validation(client)
    assert response.status_code == 302
    row = OutgoingEmail.objects.get(to_email="person@contoso.example")

    [received] = wait_for(
        lambda: sink.with_message_id(row.message_id),
        timeout=DELIVERY_TIMEOUT,
        what="the validation email at the SMTP sink",
    )
    assert received.rcpt_tos == ["person@contoso.example"]
    assert received.message["To"] == "person@contoso.example"
    assert received.message["Subject"] == row.subject == "Validate your business email"
    link = re.search(r"http://\S+/profile/business-email/confirm/\S+/", received.text).group(0)
    assert link in row.body_text
    # the worker marks the row sent just after the sink has the message: wait for its commit, not a race
    wait_for(
        lambda: OutgoingEmail.objects.filter(pk=row.pk, status=OutgoingEmail.Status.SENT).exists(),
        timeout=DELIVERY_TIMEOUT,
        what="the row to be marked sent",
    )
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingEmail.Status.SENT, 1)

    assert client.post(link.split("8000", 1)[1]).status_code == 302  # the emailed link works
    user.refresh_from_db()
    assert user.verified_business_email == "person@contoso.example"


def test_broker_down_request_still_answers_and_sweep_sends_once(client, sink, worker, dead_broker):  # NOTE-2
    user = _signed_in(client)
    response, elapsed = _request_validation(client)
    assert response.status_code == 302
    assert elapsed < 1.5, f"the request waited {elapsed:.1f}s on a dead broker"
    user.refresh_from_db()
    assert user.business_email == "person@contoso.example"  # the change is committed...
    row = OutgoingEmail.objects.get(to_email="person@contoso.example")
    assert row.status == OutgoingEmail.Status.QUEUED  # ...and so is its outbox row

    with publishing_to(BROKER_URL):  # Redis is back; a minute later beat runs the sweep
        OutgoingEmail.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=1))
        email_sweep_task.delay()
        wait_for(lambda: sink.with_message_id(row.message_id), timeout=DELIVERY_TIMEOUT, what="swept email")
        email_sweep_task.delay()  # a second sweep and a duplicate dispatch must not send it again
        email_send_task.delay(row.pk)
        _barrier(sink)
    assert len(sink.with_message_id(row.message_id)) == 1
    # the worker marks the row sent just after the sink has the message: wait for its commit, not a race
    wait_for(
        lambda: OutgoingEmail.objects.filter(pk=row.pk, status=OutgoingEmail.Status.SENT).exists(),
        timeout=DELIVERY_TIMEOUT,
        what="the row to be marked sent",
    )
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingEmail.Status.SENT, 1)


def test_silent_broker_cannot_hang_the_request(client, silent_broker):  # NOTE-2
    user = _signed_in(client)
    response, elapsed = _request_validation(client)
    assert response.status_code == 302
    assert elapsed < 4, f"publishing to a silent broker took {elapsed:.1f}s (socket_timeout is 2s)"
    user.refresh_from_db()
    assert user.business_email == "person@contoso.example"
    assert OutgoingEmail.objects.get(to_email="person@contoso.example").status == OutgoingEmail.Status.QUEUED


def test_smtp_4xx_is_retried_then_failed_then_resent_from_admin(
    client, sink, worker, real_broker, staff
):  # NOTE-2 ADM-1
    sink.mode = "tempfail"
    retries_logged = worker.log().count("Retry in ")
    user = _signed_in(client)
    _request_validation(client)
    row = OutgoingEmail.objects.get(to_email="person@contoso.example")
    wait_for(
        lambda: OutgoingEmail.objects.filter(pk=row.pk, status=OutgoingEmail.Status.FAILED).exists(),
        timeout=DELIVERY_TIMEOUT,
        what="the row to be marked failed after its retries",
    )
    row.refresh_from_db()
    assert row.attempts == 6 == len(sink.attempts)  # the first try and five retries, each through the broker
    assert "451" in row.last_error
    assert sink.messages == []
    assert worker.log().count("Retry in ") - retries_logged == 5  # scheduled by Celery with backoff, not a loop

    client.force_login(staff)
    changelist = "/admin/notifications/outgoingemail/"
    page = client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200
    assert "person@contoso.example" in page.content.decode()
    sink.mode = "accept"
    response = client.post(changelist, {"action": "resend", "_selected_action": [row.pk], "index": 0})
    assert response.status_code == 302
    wait_for(lambda: sink.with_message_id(row.message_id), timeout=DELIVERY_TIMEOUT, what="the resent email")
    # the worker marks the row sent just after the sink has the message: wait for its commit, not a race
    wait_for(
        lambda: OutgoingEmail.objects.filter(pk=row.pk, status=OutgoingEmail.Status.SENT).exists(),
        timeout=DELIVERY_TIMEOUT,
        what="the row to be marked sent",
    )
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingEmail.Status.SENT, 1)
    assert user.email not in [m.message["To"] for m in sink.messages]


def test_rolled_back_change_sends_nothing(client, sink, worker, real_broker):  # NOTE-1
    user = User.objects.create_user(email="person@gmail.example", password="x" * 12)

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        core_services.business_email_start_verification(user=user, business_email="rolled@back.example")
        raise Refused
    assert not OutgoingEmail.objects.filter(to_email="rolled@back.example").exists()
    _barrier(sink)  # the worker handles messages in order: anything dispatched before would be in by now
    assert [m for m in sink.messages if "rolled@back.example" in m.rcpt_tos] == []


def _barrier(sink) -> None:
    """Send one committed email and wait for it; earlier dispatches have been processed once it arrives."""
    barrier_user = User.objects.create_user(email=f"barrier{time.monotonic_ns()}@example.com", password="x" * 12)
    core_services.business_email_start_verification(user=barrier_user, business_email=barrier_user.email)
    row = OutgoingEmail.objects.filter(to_email=barrier_user.email).latest("id")
    wait_for(lambda: sink.with_message_id(row.message_id), timeout=DELIVERY_TIMEOUT, what="the barrier email")
