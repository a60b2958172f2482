from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ServiceRequest(models.Model):
    """A "Contact us" case opened by a user, or by a partner on behalf of a customer (ADM-2)."""

    class Topic(models.TextChoices):
        ACCESS = "access", _("Access and permissions")
        OPEN_LICENSE = "open_license", _("Open License")
        SUBSCRIPTIONS = "subscriptions", _("Subscriptions")
        DOWNLOADS = "downloads", _("Downloads and product keys")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_requests")
    on_behalf_of = models.EmailField(_("on behalf of customer (business email)"), blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    licensing_id = models.ForeignKey(
        "agreements.LicensingID",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("licensing ID"),
    )
    license_number = models.CharField(_("license number"), max_length=20, blank=True)
    authorization_hash = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_topic_display()}"

    def get_absolute_url(self) -> str:
        return reverse("support:detail", args=[self.pk])


class ServiceRequestMessage(models.Model):
    """One message of a service request thread: the requester's or a support reply."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_support = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.body[:40]}"
