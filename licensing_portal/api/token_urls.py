from django.urls import path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.personal, name="personal"),
    path("organisations/<pk:pk>/", views.organization, name="organization"),
    path("<pk:pk>/revoke/", views.revoke, name="revoke"),
]
