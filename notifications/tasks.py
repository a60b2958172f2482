from smtplib import SMTPException

from celery import shared_task


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=5, retry_backoff_max=600, retry_jitter=True,
             max_retries=5, acks_late=True)
def email_send_task(outgoing_email_id: int) -> None:
    from notifications.services import email_send  # keeps the import graph acyclic

    email_send(outgoing_email_id=outgoing_email_id)


@shared_task
def email_sweep_task() -> None:
    from notifications.services import email_sweep

    email_sweep()
