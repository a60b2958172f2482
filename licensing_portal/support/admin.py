from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from licensing_portal.support.models import ServiceRequest, ServiceRequestMessage
from licensing_portal.support.services import service_request_reply


class ServiceRequestMessageInline(admin.TabularInline):
    model = ServiceRequestMessage
    extra = 0
    fields = ["created_at", "author", "from_support", "body"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ServiceRequestAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label=_("Reply to the requester"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent by email and shown in the portal thread."),
    )

    class Meta:
        model = ServiceRequest
        fields = ["status"]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Support staff answer service requests here (ADM-2)."""

    form = ServiceRequestAdminForm
    list_display = ["id", "topic", "requester", "licensing_id", "license_number", "status", "updated_at"]
    list_filter = ["status", "topic"]
    search_fields = ["requester__email", "on_behalf_of", "license_number", "licensing_id__number"]
    list_select_related = ["requester", "licensing_id"]
    readonly_fields = ["requester", "on_behalf_of", "topic", "licensing_id", "license_number", "created_at"]
    fields = readonly_fields + ["status", "reply"]
    inlines = [ServiceRequestMessageInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("reply"):
            service_request_reply(request=obj, staff_user=request.user, body=form.cleaned_data["reply"])
