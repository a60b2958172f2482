from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from licensing_portal.core import services
from licensing_portal.core.models import AuditEvent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "business_email",
        "business_email_verified_at",
        "first_name",
        "last_name",
        "language",
        "is_staff",
        "is_active",
    ]
    list_filter = ["is_staff", "is_active", "language"]
    search_fields = ["email", "business_email", "first_name", "last_name", "contact_email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["first_name", "last_name", "contact_email", "language"]}),
        (_("Business email"), {"fields": ["business_email", "business_email_verified_at"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(user=obj, actor=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only (ADM-1, PERM-11)."""

    list_display = ["created_at", "verb", "actor_email", "licensing_id", "target_email", "api_token_id"]
    list_filter = ["verb"]
    search_fields = ["target_email", "actor_email", "licensing_id__number", "verb"]
    list_select_related = ["licensing_id"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
