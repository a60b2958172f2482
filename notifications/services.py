"""Email outbox (NOTE-1..3): queue in the caller's transaction, send idempotently from a worker."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_guid import get_guid

from licensing_portal.core.logging import redact_secrets
from licensing_portal.fields import decrypt_or_none
from notifications.models import OutgoingEmail

logger = logging.getLogger(__name__)

UNDECRYPTABLE = "The body cannot be decrypted: the key it was sealed with is no longer configured."


def _request_id() -> str:
    """The current request's (or task's) id, as in its log lines (OPS-3); a client-chosen one is cut to fit."""
    return (get_guid() or "")[:64]


def email_render(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    with translation.override(language):
        full = {
            "portal_name": translation.gettext("Licensing Portal"),
            "base_url": settings.PORTAL_BASE_URL,
            **context,
        }
        subject = " ".join(render_to_string(f"{template}.subject.txt", full).split())
        text = render_to_string(f"{template}.txt", full)
        html = render_to_string(f"{template}.html", full)
    return subject, text, html


def email_queue(
    *, template: str, to_email: str, language: str = "en", context: dict[str, Any] | None = None
) -> OutgoingEmail:
    """Render in the recipient's language and store one outbox row; it is dispatched after commit."""
    subject, text, html = email_render(template, context or {}, language or "en")
    return email_queue_rendered(
        template=template,
        to_email=to_email,
        language=language,
        subject=subject,
        body_text=text,
        body_html=html,
    )


def email_queue_rendered(
    *, template: str, to_email: str, subject: str, body_text: str, body_html: str = "", language: str = "en"
) -> OutgoingEmail:
    email = OutgoingEmail.objects.create(
        template=template,
        to_email=to_email.strip().lower(),
        language=language or "en",
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        request_id=_request_id(),
    )
    transaction.on_commit(lambda: email_dispatch(outgoing_email_id=email.pk))
    return email


def email_queue_many(*, template: str, messages: list[tuple[str, str, dict[str, Any]]]) -> list[OutgoingEmail]:
    """One outbox row per (to_email, language, context), written with a single INSERT (bulk assignments)."""
    rows = []
    request_id = _request_id()
    for to_email, language, context in messages:
        subject, text, html = email_render(template, context, language or "en")
        rows.append(
            OutgoingEmail(
                template=template,
                to_email=to_email.strip().lower(),
                language=language or "en",
                subject=subject,
                body_text=text,
                body_html=html,
                request_id=request_id,
            )
        )
    created = OutgoingEmail.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: [email_dispatch(outgoing_email_id=pk) for pk in ids])
    return created


def email_queue_to_user(*, template: str, user, context: dict[str, Any] | None = None) -> OutgoingEmail:
    return email_queue(template=template, to_email=user.notification_email, language=user.language, context=context)


def email_dispatch(*, outgoing_email_id: int) -> None:
    """Hand the row to the broker; if the broker is down the row stays queued for the sweep (NOTE-2)."""
    from notifications.tasks import email_send_task

    try:
        email_send_task.delay(outgoing_email_id)
    except Exception:  # broker unreachable: the periodic sweep will re-queue it
        logger.warning("email %s left in the outbox: broker unavailable", outgoing_email_id, exc_info=True)


def email_send(*, outgoing_email_id: int) -> bool:
    """Send one outbox row at most once per worker lifetime; returns True when this call sent it.

    The row lock (SELECT ... FOR UPDATE SKIP LOCKED) is held across the SMTP exchange: a second worker skips a
    row being sent, and if this worker dies the database ends its session, releases the lock and rolls back, so
    the row is QUEUED again for the redelivered task or the sweep. The only duplicate left is a crash between
    the relay's "250 OK" and our COMMIT (milliseconds, RFC 1047); that copy carries the same Message-ID so
    the relay or mail client can drop it. Losing an email (at-most-once) would be worse than that.
    """
    with transaction.atomic():
        try:
            email = (
                OutgoingEmail.objects.select_for_update(skip_locked=True)
                .filter(pk=outgoing_email_id, status=OutgoingEmail.Status.QUEUED)
                .first()
            )
        except InvalidToken:  # sealed with a key since dropped (issue 18): it can never be sent, stop retrying
            OutgoingEmail.objects.filter(pk=outgoing_email_id, status=OutgoingEmail.Status.QUEUED).update(
                status=OutgoingEmail.Status.FAILED, last_error=UNDECRYPTABLE, last_attempt_at=timezone.now()
            )
            logger.error("email %s cannot be sent: %s", outgoing_email_id, UNDECRYPTABLE)
            return False
        if email is None:
            return False
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to_email],
            headers={"Message-ID": email.message_id},
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        failure: Exception | None = None
        try:
            message.send()
        except Exception as exc:
            failure = exc
            email.last_error = redact_secrets(f"{type(exc).__name__}: {exc}")[:2000]
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_attempt_at", "last_error", "status"])
        else:
            email.status = OutgoingEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "last_attempt_at", "status", "sent_at", "last_error"])
    if failure is not None:
        logger.warning("email %s attempt %s failed: %s", outgoing_email_id, email.attempts, email.last_error)
        raise failure  # after commit, so the attempt count survives; the task retries with backoff
    logger.info("email %s sent (%s)", outgoing_email_id, email.template)
    return True


def email_sweep(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Re-dispatch rows still queued after `older_than` (broker or worker was down). A row already attempted
    waits out the longest retry backoff first, so the sweep never shortcuts the task's own retry schedule."""
    now = timezone.now()
    retry_cutoff = now - older_than - timedelta(seconds=settings.EMAIL_RETRY_BACKOFF_MAX)
    ids = list(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED)
        .filter(
            Q(last_attempt_at__isnull=True, created_at__lte=now - older_than) | Q(last_attempt_at__lte=retry_cutoff)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        email_dispatch(outgoing_email_id=pk)
    return len(ids)


def email_undecryptable(*, outgoing_email_ids: list[int]) -> list[int]:
    """The rows among these whose body no configured key opens (issue 18): they cannot be sent again."""
    rows = (
        OutgoingEmail.objects.filter(pk__in=outgoing_email_ids)
        .annotate(sealed_text=Cast("body_text", TextField()), sealed_html=Cast("body_html", TextField()))
        .values_list("pk", "sealed_text", "sealed_html")
    )
    return sorted(pk for pk, text, html in rows if decrypt_or_none(text) is None or decrypt_or_none(html) is None)


def email_resend(*, outgoing_email_ids: list[int]) -> int:
    """Support action (ADM-1): put failed or sent rows back in the queue; a row whose body can no longer be
    decrypted is left as it is (it cannot be sent)."""
    refused = set(email_undecryptable(outgoing_email_ids=outgoing_email_ids))
    outgoing_email_ids = sorted(set(outgoing_email_ids) - refused)
    with transaction.atomic():
        count = OutgoingEmail.objects.filter(pk__in=outgoing_email_ids).update(
            status=OutgoingEmail.Status.QUEUED, attempts=0, last_error="", sent_at=None, last_attempt_at=None
        )
        for pk in outgoing_email_ids:
            transaction.on_commit(lambda pk=pk: email_dispatch(outgoing_email_id=pk))
    return count


def email_sent_purge(*, older_than: timedelta | None = None) -> int:
    """Retention: sent rows older than OUTBOX_SENT_RETENTION_DAYS go, in one DELETE; queued and failed rows stay
    (support may still resend a failed one)."""
    if older_than is None:
        older_than = timedelta(days=settings.OUTBOX_SENT_RETENTION_DAYS)
    deleted, _rows = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENT, sent_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
