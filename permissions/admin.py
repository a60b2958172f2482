from django.contrib import admin

from permissions.models import Grant, InheritanceOptOut


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["email", "licensing_id", "role", "source", "created_at"]
    list_filter = ["role", "source"]
    search_fields = ["email", "licensing_id__number"]
    list_select_related = ["licensing_id"]
    raw_id_fields = ["licensing_id", "granted_by"]


@admin.register(InheritanceOptOut)
class InheritanceOptOutAdmin(admin.ModelAdmin):
    list_display = ["email", "licensing_id", "created_at"]
    search_fields = ["email", "licensing_id__number"]
    raw_id_fields = ["licensing_id"]
