from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from notifications.models import OutgoingEmail
from notifications.services import email_resend


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "template", "to_email", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "template", "language"]
    search_fields = ["to_email", "subject", "template"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["resend"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Resend selected emails"))
    def resend(self, request, queryset):
        count = email_resend(outgoing_email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d email(s) queued again.") % {"count": count}, messages.SUCCESS)
