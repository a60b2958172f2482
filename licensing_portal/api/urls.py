"""/api/v1/ (API-1): the schema, the docs, and each app's resources (`<app>/api.py`)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from licensing_portal.api.errors import not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script=): CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include("agreements.api")),
    path("", include("permissions.api")),
    path("", include("subscriptions.api")),
    path("", include("partners.api")),
    re_path(r"^[\s\S]*$", not_found, name="not_found"),  # any path, new lines too
]
