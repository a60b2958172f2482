from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from licensing_portal import audit
from licensing_portal.admin_actions import SelectionCheckedMixin
from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from licensing_portal.webhooks.services import delivery_resend


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Support sees where an organisation's events go and may switch an endpoint off; the signing secret is never
    loaded here (API-4: shown once, to the organisation's administrator only)."""

    list_display = ["url", "organization", "event_types", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "organization__name"]
    list_select_related = ["organization"]
    fields = ["organization", "url", "description", "event_types", "active", "created_by", "created_at"]
    readonly_fields = ["organization", "url", "description", "event_types", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # registration is the organisation administrator's, in the portal (the secret is theirs)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secret")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            verb="webhook.endpoint_changed",
            after={"active": obj.active},
            detail=f"endpoint={obj.pk} organization={obj.organization_id} via=admin",
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SelectionCheckedMixin, admin.ModelAdmin):
    """The delivery log (API-4): read-only, with a resend action for support."""

    list_display = ["created_at", "event_type", "endpoint", "status", "attempts", "response_code", "last_error"]
    list_filter = ["status", "event_type"]
    search_fields = ["endpoint__url", "event_type"]
    list_select_related = ["endpoint"]
    fields = [
        "endpoint",
        "event_type",
        "audit_event_id",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "created_at",
        "last_attempt_at",
        "delivered_at",
        "uuid",
        "request_id",
        "payload",
    ]
    readonly_fields = fields
    actions = ["resend"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log is kept; deleting the endpoint removes its deliveries

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("endpoint").defer("endpoint__secret")

    @admin.action(description=_("Resend selected deliveries"), permissions=["change"])
    def resend(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = delivery_resend(actor=request.user, webhook_delivery_ids=ids, via="admin")
        self.message_user(request, _("%(count)d delivery(ies) queued again.") % {"count": count}, messages.SUCCESS)
