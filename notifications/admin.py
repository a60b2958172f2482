from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from licensing_portal.admin_actions import SelectionCheckedMixin
from licensing_portal.core.logging import redact_secrets
from notifications.models import OutgoingEmail
from notifications.services import email_resend


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(SelectionCheckedMixin, admin.ModelAdmin):
    """The outbox (ADM-1): read-only, with a resend action. Bodies are shown with links redacted: support staff
    must not be able to use a validation or invitation link sent to someone else."""

    list_display = ["created_at", "template", "to_email", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "template", "language"]
    search_fields = ["to_email", "subject", "template"]
    exclude = ["body_text", "body_html"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields if f.name not in ("body_text", "body_html")] + [
        "body_text_redacted"
    ]
    actions = ["resend"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("body"))
    def body_text_redacted(self, obj):
        return redact_secrets(obj.body_text)

    @admin.action(description=_("Resend selected emails"))
    def resend(self, request, queryset):
        count = email_resend(outgoing_email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d email(s) queued again.") % {"count": count}, messages.SUCCESS)
