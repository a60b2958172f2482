from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from licensing_portal.admin_actions import SelectionCheckedMixin
from partners import services
from partners.models import (
    OpenLicenseAccess,
    OpenLicenseAttempt,
    OpenLicenseSuspension,
    PartnerInvitation,
    PartnerOrder,
    ResellerRelationship,
    SupportContact,
)


@admin.register(OpenLicenseAttempt)
class OpenLicenseAttemptAdmin(admin.ModelAdmin):
    """Read-only: the OPEN-5 counter's evidence."""

    list_display = ["created_at", "user", "remote_addr", "license_number"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["license_number", "user__email", "user__business_email", "remote_addr"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OpenLicenseAttempt._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description=_("Lift the selected suspensions"))
def lift_suspensions(modeladmin, request, queryset):
    lifted = sum(
        services.open_license_suspension_lift(suspension=s, actor=request.user)
        for s in queryset.select_related("user").filter(lifted_at__isnull=True)
    )
    modeladmin.message_user(
        request,
        ngettext("%d suspension lifted.", "%d suspensions lifted.", lifted) % lifted,
        messages.SUCCESS,
    )


@admin.register(OpenLicenseSuspension)
class OpenLicenseSuspensionAdmin(SelectionCheckedMixin, admin.ModelAdmin):
    """OPEN-5 suspensions; support lifts them with the action (ADM-1), which is audited."""

    list_display = ["created_at", "scope", "user", "remote_addr", "expires_at", "lifted_at", "lifted_by"]
    list_filter = ["scope", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__business_email", "remote_addr"]
    list_select_related = ["user", "lifted_by"]
    actions = [lift_suspensions]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OpenLicenseSuspension._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OpenLicenseAccess)
class OpenLicenseAccessAdmin(admin.ModelAdmin):
    list_display = [
        "licensing_id",
        "email",
        "kind",
        "route",
        "partner",
        "created_at",
        "denied_at",
        "denied_via",
    ]
    list_filter = ["kind", "route", ("denied_at", admin.EmptyFieldListFilter)]
    search_fields = [
        "email",
        "licensing_id__number",
        "licensing_id__open_license__license_number",
        "partner__name",
    ]
    list_select_related = ["licensing_id", "partner"]
    raw_id_fields = ["licensing_id", "partner", "requested_by"]
    readonly_fields = ["created_at", "denied_at", "denied_via"]


@admin.register(PartnerOrder)
class PartnerOrderAdmin(admin.ModelAdmin):
    list_display = ["created_at", "partner", "customer_name", "customer_email", "program", "placed_by"]
    list_filter = ["program"]
    search_fields = ["customer_email", "customer_name", "partner__name"]
    list_select_related = ["partner", "placed_by"]
    raw_id_fields = ["partner", "placed_by"]


class SupportContactInline(admin.TabularInline):
    model = SupportContact
    extra = 0
    raw_id_fields = ["member"]


@admin.register(ResellerRelationship)
class ResellerRelationshipAdmin(admin.ModelAdmin):
    list_display = [
        "partner",
        "customer",
        "status",
        "customer_email",
        "created_at",
        "accepted_at",
        "removed_at",
    ]
    list_filter = ["status"]
    search_fields = ["partner__name", "customer__name", "customer_email", "administered_licences__number"]
    list_select_related = ["partner", "customer"]
    raw_id_fields = ["partner", "customer", "invited_by", "accepted_by", "removed_by"]
    readonly_fields = [
        "status",
        "administered_licences",
        "accepted_at",
        "removed_at",
        "created_at",
    ]  # services keep grants in step
    inlines = [SupportContactInline]


@admin.register(SupportContact)
class SupportContactAdmin(admin.ModelAdmin):
    list_display = ["relationship", "member", "created_at"]
    search_fields = ["member__user__email", "relationship__partner__name", "relationship__customer__name"]
    list_select_related = [
        "relationship__partner",
        "relationship__customer",
        "member__user",
        "member__organization",
    ]
    raw_id_fields = ["relationship", "member"]


@admin.register(PartnerInvitation)
class PartnerInvitationAdmin(admin.ModelAdmin):
    """MPN-2 invitations to join a partner; the link itself is never stored (only its hash, SEC-7)."""

    list_display = ["created_at", "partner", "email", "invited_by", "accepted_at", "accepted_by", "revoked_at"]
    search_fields = ["email", "partner__name", "invited_by__email"]
    list_select_related = ["partner", "invited_by", "accepted_by"]
    raw_id_fields = ["partner", "invited_by", "accepted_by"]
    readonly_fields = ["created_at", "accepted_at", "accepted_by", "revoked_at"]
