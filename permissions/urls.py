from django.urls import path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from permissions import review_views, views

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
    path("manage/<pk:pk>/resend-welcome/", views.manage_user_resend, name="manage_user_resend"),
    path("people/", views.person, name="person"),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
    path("manage/<pk:pk>/audit/", views.audit_log, name="audit_log"),
    path("manage/<pk:pk>/audit/export.csv", views.audit_export, {"fmt": "csv"}, name="audit_export_csv"),
    path("manage/<pk:pk>/audit/export.jsonl", views.audit_export, {"fmt": "jsonl"}, name="audit_export_jsonl"),
    # Access reviews (REV-1..REV-3)
    path("reviews/", review_views.review_list, name="reviews"),
    path("reviews/start/", review_views.review_start, name="review_start"),
    path("reviews/<pk:pk>/", review_views.review_detail, name="review_detail"),
    path("reviews/<pk:pk>/decide/", review_views.review_decide, name="review_decide"),
    path("reviews/<pk:pk>/export.csv", review_views.review_export, name="review_export"),
    path("audit/", views.audit_log_all, name="audit_log_all"),
    path("audit/export.csv", views.audit_export_all, {"fmt": "csv"}, name="audit_export_all_csv"),
    path("audit/export.jsonl", views.audit_export_all, {"fmt": "jsonl"}, name="audit_export_all_jsonl"),
]
