import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from licensing_portal.fields import EncryptedTextField
from licensing_portal.webhooks.events import SHORT_LABELS, decode_categories


class WebhookEndpoint(models.Model):
    """An organisation's HTTPS receiver and the event categories it wants (API-4). Its signing secret is ours,
    shown once at registration and kept encrypted at rest; nobody (staff included) sees it again."""

    organization = models.ForeignKey(
        "agreements.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=100, blank=True)
    event_types = models.CharField(_("events"), max_length=200)  # "|grant|seat|": see events.encode_categories
    secret = EncryptedTextField()
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["organization_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.url} ({self.organization_id})"

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", args=[self.pk])

    @property
    def categories(self) -> list[str]:
        return decode_categories(self.event_types)

    @property
    def category_labels(self) -> list[str]:
        return [str(SHORT_LABELS[name]) for name in self.categories if name in SHORT_LABELS]


class WebhookDelivery(models.Model):
    """One event for one endpoint: an outbox row written in the transaction of the event, sent by a worker,
    retried with backoff and jitter, then FAILED until someone resends it (API-4)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(_("event"), max_length=64)
    audit_event_id = models.BigIntegerField(_("audit event"))
    payload = models.JSONField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    request_id = models.CharField(max_length=64, blank=True, default="")  # OPS-3

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="webhook_delivery_status"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"
