from smtplib import SMTPException

from celery import shared_task
from django.conf import settings


# SMTP down (OSError) or answering 4xx/5xx (SMTPException): retried with exponential backoff and full jitter;
# email_send marks the row FAILED on its last attempt. acks_late + reject_on_worker_lost: a worker killed
# mid-send leaves the message unacknowledged, so the broker hands it to the next worker.
@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=settings.EMAIL_RETRY_BACKOFF,
    retry_backoff_max=settings.EMAIL_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.EMAIL_MAX_ATTEMPTS - 1,
    acks_late=True,
    reject_on_worker_lost=True,
)
def email_send_task(outgoing_email_id: int) -> None:
    from notifications.services import email_send  # keeps the import graph acyclic

    email_send(outgoing_email_id=outgoing_email_id)


@shared_task
def email_sweep_task() -> None:
    from licensing_portal.health import sweep_heartbeat_record
    from notifications.services import email_sweep

    email_sweep()
    sweep_heartbeat_record()  # /health/ready checks that beat keeps the sweep running (OPS-1)


@shared_task
def email_sent_purge_task() -> int:
    from notifications.services import email_sent_purge

    return email_sent_purge()
