from django.urls import path

from permissions import views

app_name = "permissions"
urlpatterns = [
    path("", views.my_permissions, name="index"),
    path("mine/", views.my_permissions, name="my_permissions"),
    path("<int:pk>/remove/", views.remove_self, name="remove_self"),
    path("<int:pk>/opt-out/", views.opt_out, name="opt_out"),
    path("<int:pk>/opt-in/", views.opt_in, name="opt_in"),
    path("request/", views.request_permissions, name="request"),
    path("requests/", views.requests_inbox, name="requests_inbox"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("manage/<int:pk>/", views.manage_users, name="manage_users"),
    path("manage/<int:pk>/edit/", views.manage_user_edit, name="manage_user_edit"),
    path("manage/<int:pk>/remove/", views.manage_user_remove, name="manage_user_remove"),
    path("manage/<int:pk>/deny/", views.manage_user_deny, name="manage_user_deny"),
    path("manage/<int:pk>/audit/", views.audit_log, name="audit_log"),
]
