from django.urls import path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.identity import views

app_name = "identity"
urlpatterns = [
    path("", views.index, name="index"),
    path("<pk:pk>/domains/", views.domain_add, name="domain_add"),
    path("<pk:pk>/sso/", views.sso_edit, name="sso"),
    path("<pk:pk>/sso/remove/", views.sso_remove, name="sso_remove"),
    path("domains/<pk:pk>/", views.domain_detail, name="domain_detail"),
    path("domains/<pk:pk>/verify/", views.domain_verify, name="domain_verify"),
    path("domains/<pk:pk>/remove/", views.domain_remove, name="domain_remove"),
]
