from django.contrib import admin

from permissions.models import Grant, InheritanceOptOut, PermissionRequest


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["email", "licensing_id", "role", "source", "created_at"]
    list_filter = ["role", "source"]
    search_fields = ["email", "licensing_id__number"]
    list_select_related = ["licensing_id"]
    raw_id_fields = ["licensing_id", "granted_by"]


@admin.register(InheritanceOptOut)
class InheritanceOptOutAdmin(admin.ModelAdmin):
    list_display = ["email", "licensing_id", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email", "licensing_id__number"]
    list_select_related = ["licensing_id"]
    raw_id_fields = ["licensing_id"]


@admin.register(PermissionRequest)
class PermissionRequestAdmin(admin.ModelAdmin):
    """Support staff read requests (PERM-4..6); decisions are the administrators' in the portal."""

    list_display = ["created_at", "email", "program", "number", "status", "failure_reason", "decided_at"]
    list_filter = ["status", "program", "failure_reason"]
    search_fields = ["email", "number", "licensing_id__number", "requester__email"]
    list_select_related = ["licensing_id", "requester"]
    raw_id_fields = ["licensing_id", "requester", "decided_by"]
    readonly_fields = ["created_at", "decided_at", "decided_by"]
