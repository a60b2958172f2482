from django.contrib import admin

from subscriptions.models import (
    BulkUpload,
    PartnerContactRole,
    PartnerMembership,
    PartnerSubscription,
    Seat,
    SubscriptionPool,
)


@admin.register(SubscriptionPool)
class SubscriptionPoolAdmin(admin.ModelAdmin):
    list_display = [
        "licensing_id",
        "product",
        "quantity",
        "over_assignment",
        "low_seats_threshold",
        "low_seats_alerted",
        "over_allocation_threshold",
        "over_allocation_alerted",
    ]
    list_filter = ["product", "over_assignment", "low_seats_alerted", "licensing_id__program"]
    search_fields = ["licensing_id__number", "licensing_id__organization__name"]
    list_select_related = ["licensing_id"]
    raw_id_fields = ["licensing_id"]


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "first_name",
        "last_name",
        "pool",
        "licensing_number",
        "status",
        "over_assigned",
        "assigned_at",
    ]
    list_filter = ["status", "over_assigned", "pool__product"]
    search_fields = ["email", "first_name", "last_name", "pool__licensing_id__number"]
    list_select_related = ["pool", "pool__licensing_id"]
    raw_id_fields = ["pool", "assigned_by"]
    date_hierarchy = "assigned_at"

    @admin.display(description="licensing ID", ordering="pool__licensing_id__number")
    def licensing_number(self, obj):
        return obj.pool.licensing_id.number


@admin.register(BulkUpload)
class BulkUploadAdmin(admin.ModelAdmin):
    list_display = ["file_name", "pool", "uploaded_by", "status", "row_count", "assigned_count", "created_at"]
    list_filter = ["status"]
    search_fields = ["file_name", "uploaded_by__email", "pool__licensing_id__number"]
    list_select_related = ["pool", "uploaded_by"]
    raw_id_fields = ["pool", "uploaded_by"]
    readonly_fields = ["errors", "finished_at"]


class ContactRoleInline(admin.TabularInline):
    model = PartnerContactRole
    extra = 0
    raw_id_fields = ["member", "assigned_by"]


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ["organization", "kind", "competency_name", "product", "entitlements"]
    list_filter = ["kind", "product"]
    search_fields = ["organization__name", "organization__members__user__email"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
    inlines = [ContactRoleInline]


@admin.register(PartnerContactRole)
class PartnerContactRoleAdmin(admin.ModelAdmin):
    list_display = ["membership", "member", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["member__user__email", "membership__organization__name"]
    list_select_related = ["membership__organization", "member__user"]
    raw_id_fields = ["membership", "member", "assigned_by"]


@admin.register(PartnerSubscription)
class PartnerSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["membership", "member", "status", "assigned_at", "removed_at"]
    list_filter = ["status", "membership__kind"]
    search_fields = ["member__user__email", "membership__organization__name"]
    list_select_related = ["membership__organization", "member__user"]
    raw_id_fields = ["membership", "member", "assigned_by"]
