from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from agreements import services
from agreements.models import (
    AgreementContact,
    Download,
    LicenseSummaryLine,
    LicensingID,
    OpenLicense,
    Organization,
    OrganizationMember,
    ProductKey,
    SABenefitLine,
)
from licensing_portal.admin_actions import SelectionCheckedMixin


class SendingApprovedFilter(admin.SimpleListFilter):
    title = _("approved for sending")
    parameter_name = "sending"

    def lookups(self, request, model_admin):
        return [("approved", _("Approved")), ("pending", _("Waiting for approval"))]

    def queryset(self, request, queryset):
        if self.value() == "approved":
            return queryset.filter(sending_approved_at__isnull=False)
        if self.value() == "pending":
            return queryset.filter(sending_approved_at__isnull=True)
        return queryset


@admin.register(Organization)
class OrganizationAdmin(SelectionCheckedMixin, admin.ModelAdmin):
    """SEC-8: a partner organisation registered by its users sends a few orders and invitations a day until
    support approves it here."""

    list_display = ["name", "kind", "created_at", "sending_approved_at"]
    list_filter = ["kind", SendingApprovedFilter]
    search_fields = ["name"]
    readonly_fields = ["sending_approved_at"]
    actions = ["approve_for_sending"]

    @admin.action(description=_("Approve for sending"))
    def approve_for_sending(self, request, queryset):
        count = services.organization_sending_approve(
            organization_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(
            request, _("%(count)d partner organisation(s) approved for sending.") % {"count": count}, messages.SUCCESS
        )


class ContactInline(admin.TabularInline):
    model = AgreementContact
    extra = 0


@admin.register(LicensingID)
class LicensingIDAdmin(admin.ModelAdmin):
    list_display = ["number", "program", "organization", "status", "parent", "start_date", "end_date"]
    list_filter = ["program", "status"]
    search_fields = ["number", "organization__name", "open_license__license_number", "contacts__email"]
    list_select_related = ["organization", "parent"]
    raw_id_fields = ["parent", "organization"]
    inlines = [ContactInline]


@admin.register(OpenLicense)
class OpenLicenseAdmin(admin.ModelAdmin):
    list_display = ["license_number", "licensing_id", "customer_email", "reseller_email", "available_at"]
    search_fields = ["license_number", "customer_email", "reseller_email", "licensing_id__number"]
    list_select_related = ["licensing_id"]
    exclude = ["authorization_hash"]  # a hash is still a secret; never shown back (AGR-4)
    readonly_fields = ["authorization_hint"]
    raw_id_fields = ["licensing_id"]

    def add_view(self, request, form_url="", extra_context=None):
        """An order is recorded by the staff page: it hashes the authorization number, makes the customer Primary
        Contact and sends the welcome emails (AGR-4, AGR-5, RES-1), which a bare admin form would skip."""
        return redirect("partners:order_record")


@admin.register(AgreementContact)
class AgreementContactAdmin(admin.ModelAdmin):
    list_display = ["licensing_id", "contact_type", "email", "name"]
    list_filter = ["contact_type"]
    search_fields = ["email", "licensing_id__number"]
    list_select_related = ["licensing_id"]
    raw_id_fields = ["licensing_id"]


for model in (LicenseSummaryLine, SABenefitLine, Download, ProductKey):
    admin.site.register(
        model,
        list_display=["licensing_id", "product" if hasattr(model, "product") else "benefit"],
        search_fields=["licensing_id__number"],
        list_select_related=["licensing_id"],
        raw_id_fields=["licensing_id"],
    )


@admin.register(OrganizationMember)
class OrganizationMemberAdmin(admin.ModelAdmin):
    list_display = ["organization", "user", "is_admin", "created_at"]
    search_fields = ["organization__name", "user__email"]
    list_select_related = ["organization", "user"]
    raw_id_fields = ["organization", "user"]
