from django.urls import path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.support import views

app_name = "support"
urlpatterns = [
    path("", views.service_request_list, name="list"),
    path("new/", views.service_request_create, name="create"),
    path("<pk:pk>/", views.service_request_detail, name="detail"),
    path("<pk:pk>/message/", views.service_request_message, name="message"),
]
