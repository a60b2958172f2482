"""A worker killed with SIGKILL while it holds an outbox row in the middle of the SMTP exchange (NOTE-2)."""

import re
import time

import pytest
from django.db import transaction

from licensing_portal.core.models import User
from notifications.models import OutgoingEmail
from notifications.tasks import email_send_task, email_sweep_task
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 1  # seconds before Redis hands an unacknowledged message to another worker


def _row_is_locked(pk: int) -> bool:
    with transaction.atomic():
        return not OutgoingEmail.objects.select_for_update(skip_locked=True).filter(pk=pk).exists()


def test_worker_killed_mid_send_email_arrives_exactly_once(client, sink, worker_factory, real_broker):  # NOTE-2
    crash_env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "CELERY_UNACKED_RESTORE_INTERVAL": "1"}
    first = worker_factory(**crash_env)
    sink.mode = "block"  # the SMTP server holds the DATA command: the worker is inside message.send()

    user = User.objects.create_user(email="person@gmail.example", password="x" * 12)
    client.force_login(user)
    client.post("/profile/business-email/", {"business_email": "person@contoso.example"})
    row = OutgoingEmail.objects.get(to_email="person@contoso.example")

    assert sink.data_arrived.wait(timeout=20), "the worker never reached the SMTP DATA step"
    assert _row_is_locked(row.pk)  # the worker holds the row lock across SMTP
    delivered_at = time.monotonic()
    first.kill9()
    sink.release.set()  # the server notices its client is gone: nothing was acknowledged, nothing delivered

    wait_for(lambda: not _row_is_locked(row.pk), timeout=10, what="PostgreSQL to drop the dead worker's lock")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingEmail.Status.QUEUED, 0)  # its transaction rolled back
    assert sink.messages == []

    sink.reset("accept")
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.2 - (time.monotonic() - delivered_at)))
    second = worker_factory(**crash_env)  # restores the unacknowledged message at start-up
    wait_for(lambda: sink.with_message_id(row.message_id), timeout=20, what="the redelivered email")

    email_send_task.delay(row.pk)  # late duplicates (another redelivery, the sweep) are no-ops
    email_sweep_task.delay()
    wait_for(
        lambda: re.search(r"email_sweep_task\[\S+\] succeeded", second.log()),
        timeout=10,
        what="the duplicate and the sweep to be processed",
    )  # one solo worker: in order
    assert len(sink.with_message_id(row.message_id)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingEmail.Status.SENT, 1)
