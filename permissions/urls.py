from django.urls import path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from permissions import views

app_name = "permissions"
urlpatterns = [
    path("", views.my_permissions, name="index"),
    path("mine/", views.my_permissions, name="my_permissions"),
    path("<pk:pk>/remove/", views.remove_self, name="remove_self"),
    path("<pk:pk>/opt-out/", views.opt_out, name="opt_out"),
    path("<pk:pk>/opt-in/", views.opt_in, name="opt_in"),
    path("request/", views.request_permissions, name="request"),
    path("requests/", views.requests_inbox, name="requests_inbox"),
    path("requests/<pk:pk>/", views.request_detail, name="request_detail"),
    path("requests/<pk:pk>/decide/", views.request_decide, name="request_decide"),
    path("manage/<pk:pk>/", views.manage_users, name="manage_users"),
    path("manage/<pk:pk>/edit/", views.manage_user_edit, name="manage_user_edit"),
    path("manage/<pk:pk>/remove/", views.manage_user_remove, name="manage_user_remove"),
    path("manage/<pk:pk>/deny/", views.manage_user_deny, name="manage_user_deny"),
    path("manage/<pk:pk>/audit/", views.audit_log, name="audit_log"),
]
