from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from licensing_portal import audit
from licensing_portal.admin_actions import SelectionCheckedMixin
from licensing_portal.errors import ApplicationError
from licensing_portal.identity import services
from licensing_portal.identity.models import SSOProvider, VerifiedDomain


@admin.register(VerifiedDomain)
class VerifiedDomainAdmin(SelectionCheckedMixin, admin.ModelAdmin):
    list_display = ["domain", "organization", "verified_at", "verified_how", "created_at"]
    list_select_related = ["organization"]
    list_filter = ["verified_how"]
    search_fields = ["domain", "organization__name"]
    readonly_fields = ["organization", "domain", "verified_at", "verified_how", "created_at"]
    fields = readonly_fields
    actions = ["verify_as_staff"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Verify the selected domains (support staff vouch for them)"))
    def verify_as_staff(self, request, queryset):
        """IDN-2: support staff may verify a domain in admin; audited with their name."""
        for domain in queryset.select_related("organization"):
            try:
                services.domain_verify_by_staff(domain=domain, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{domain.domain}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{domain.domain}: {_('verified')}", messages.SUCCESS)


@admin.register(SSOProvider)
class SSOProviderAdmin(admin.ModelAdmin):
    """The client secret is never shown to staff (not even masked); staff may switch the provider off or lift
    "require SSO" when an organisation's provider is down, and that change is audited."""

    list_display = ["organization", "issuer", "client_id", "enabled", "require_sso", "updated_at"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "issuer"]
    fields = ["organization", "issuer", "client_id", "enabled", "require_sso", "updated_at"]
    readonly_fields = ["organization", "issuer", "client_id", "updated_at"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            verb="sso.configured",
            after={"enabled": obj.enabled, "require_sso": obj.require_sso},
            detail=f"{obj.organization} (admin)",
        )
