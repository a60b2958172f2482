import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing_portal.fields import EncryptedTextField


class OutgoingEmail(models.Model):
    """The email outbox (NOTE-1): written in the transaction of the change, sent later by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    template = models.CharField(max_length=120)
    to_email = models.EmailField()
    language = models.CharField(max_length=5, default="en")
    subject = models.CharField(max_length=300)
    body_text = EncryptedTextField()  # links in bodies are secrets: ciphertext in the database
    body_html = EncryptedTextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    message_uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The id of the request (or task) that queued it, as in the log lines (OPS-3).
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]

    def __str__(self) -> str:
        return f"{self.template} → {self.to_email} ({self.status})"

    @property
    def message_id(self) -> str:
        """Stable for the row across every attempt and unique across databases, so a relay or mail client can
        drop the copy that a crash between SMTP acceptance and our commit could cause."""
        from email.utils import parseaddr

        from django.conf import settings

        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "licensing-portal"
        return f"<outbox.{self.pk}.{self.message_uuid.hex[:16]}@{domain}>"  # one line: no header folding
