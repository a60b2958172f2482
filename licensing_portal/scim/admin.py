from django.contrib import admin

from licensing_portal.scim.models import ScimGroup, ScimGroupMapping, ScimUser


class ReadOnly(admin.ModelAdmin):
    """The directory and the organisation's administrators own these rows (IDN-3); staff look, never change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScimUser)
class ScimUserAdmin(ReadOnly):
    list_display = ["user_name", "email", "active", "organization", "account", "owns_account", "updated_at"]
    list_filter = ["active", "owns_account"]
    list_select_related = ["organization", "account"]
    search_fields = ["user_name", "email", "external_id", "organization__name"]


@admin.register(ScimGroup)
class ScimGroupAdmin(ReadOnly):
    list_display = ["display_name", "organization", "updated_at"]
    list_select_related = ["organization"]
    search_fields = ["display_name", "external_id", "organization__name"]


@admin.register(ScimGroupMapping)
class ScimGroupMappingAdmin(ReadOnly):
    list_display = ["group", "kind", "target_id", "roles", "created_by", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["group", "created_by"]
    search_fields = ["group__display_name", "group__organization__name"]
