from django.urls import path

from agreements import views
from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)

app_name = "agreements"
urlpatterns = [
    path("", views.licensing_id_list, name="list"),
    path("<pk:pk>/", views.licensing_id_detail, name="detail"),
    path("<pk:pk>/access/", views.licensing_id_access, name="access"),
    path("<pk:pk>/downloads/<pk:download_pk>/", views.licensing_id_download, name="download"),
]
