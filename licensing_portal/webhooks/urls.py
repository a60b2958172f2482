from django.urls import path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<pk:pk>/", views.endpoint_detail, name="detail"),
    path("<pk:pk>/delete/", views.endpoint_delete, name="delete"),
    path("<pk:pk>/deliveries/<pk:delivery_pk>/resend/", views.delivery_resend, name="resend"),
]
