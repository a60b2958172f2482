"""Outbox retry policy and sweep (NOTE-2), without a worker: Celery runs eagerly, SMTP is a closed port."""

import socket
from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services import email_queue, email_sweep
from notifications.tasks import email_send_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2


def test_send_task_retries_smtp_failures_with_jittered_exponential_backoff():  # NOTE-2
    assert set(email_send_task.autoretry_for) >= {SMTPException, OSError}
    assert email_send_task.retry_backoff == settings.EMAIL_RETRY_BACKOFF > 0
    assert email_send_task.retry_backoff_max == settings.EMAIL_RETRY_BACKOFF_MAX
    assert email_send_task.retry_jitter is True
    assert email_send_task.max_retries + 1 == settings.EMAIL_MAX_ATTEMPTS
    assert email_send_task.acks_late and email_send_task.reject_on_worker_lost


def test_smtp_down_row_fails_after_last_attempt_and_nothing_is_lost(
    smtp_down, django_capture_on_commit_callbacks
):  # NOTE-2
    with django_capture_on_commit_callbacks(execute=True):
        row = email_queue(template="agreements/emails/welcome", to_email="x@example.com", context={})
    row.refresh_from_db()
    assert row.status == OutgoingEmail.Status.FAILED
    assert row.attempts == settings.EMAIL_MAX_ATTEMPTS
    assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error


def test_sweep_leaves_rows_waiting_for_their_retry_alone():  # NOTE-2
    never_tried = email_queue(template="agreements/emails/welcome", to_email="a@example.com", context={})
    retrying = email_queue(template="agreements/emails/welcome", to_email="b@example.com", context={})
    stuck = email_queue(template="agreements/emails/welcome", to_email="c@example.com", context={})
    old = timezone.now() - timedelta(minutes=5)
    OutgoingEmail.objects.filter(pk__in=[never_tried.pk, retrying.pk, stuck.pk]).update(created_at=old)
    OutgoingEmail.objects.filter(pk=retrying.pk).update(attempts=2, last_attempt_at=timezone.now())
    OutgoingEmail.objects.filter(pk=stuck.pk).update(
        attempts=2, last_attempt_at=timezone.now() - timedelta(seconds=settings.EMAIL_RETRY_BACKOFF_MAX + 60)
    )
    assert email_sweep() == 2  # eager: the sweep's dispatch sends them
    statuses = dict(OutgoingEmail.objects.values_list("to_email", "status"))
    assert statuses == {"a@example.com": "sent", "b@example.com": "queued", "c@example.com": "sent"}


def test_message_id_is_stable_per_row_and_distinct_between_rows():  # NOTE-2
    a = email_queue(template="agreements/emails/welcome", to_email="a@example.com", context={})
    b = email_queue(template="agreements/emails/welcome", to_email="a@example.com", context={})
    assert a.message_id == OutgoingEmail.objects.get(pk=a.pk).message_id != b.message_id
    assert len(f"Message-ID: {a.message_id}") <= 78  # one header line, no folding
