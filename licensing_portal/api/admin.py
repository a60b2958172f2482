from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from licensing_portal.api.models import ApiToken
from licensing_portal.api.services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff see and revoke tokens; the secret is never stored, so never shown (only the display prefix)."""

    list_display = [
        "prefix",
        "name",
        "kind",
        "user",
        "organization",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["kind", "revoked_at"]
    list_select_related = ["user", "organization", "created_by"]
    search_fields = ["key_id", "name", "user__email", "organization__name"]
    fields = [
        "prefix",
        "name",
        "kind",
        "user",
        "organization",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are created by their owners in the portal, shown once to them only

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail names the token

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, actor=request.user)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)
