from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from licensing_portal import health

urlpatterns = [
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("agreements/", include("agreements.urls")),
    path("permissions/", include("permissions.urls")),
    path("partners/", include("partners.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    path("support/", include("licensing_portal.support.urls")),
    path("", include("licensing_portal.core.urls")),
]
