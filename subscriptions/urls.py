from django.urls import path, re_path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("", views.index, name="index"),
    path("my-benefits/", views.my_benefits, name="my_benefits"),
    path("my-benefits/<pk:pk>/contact/", views.contact_admin, name="contact_admin"),
    path("report/", views.report, name="report"),
    path("subscribers/", views.subscribers, name="subscribers"),
    path("subscribers/export.csv", views.subscribers_export, name="subscribers_export"),
    path("subscribers/export.xlsx", views.subscribers_export_xlsx, name="subscribers_export_xlsx"),
    re_path(r"^bulk/template\.(?P<file_format>csv|xlsx)$", views.bulk_template, name="bulk_template"),
    path("bulk/<pk:pk>/", views.bulk_status, name="bulk_status"),
    path("pools/<pk:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<pk:pk>/usage/", views.pool_usage, name="pool_usage"),
    path("pools/<pk:pk>/usage.csv", views.pool_usage_export, name="pool_usage_export"),
    path("pools/<pk:pk>/settings/", views.pool_settings, name="pool_settings"),
    path("pools/<pk:pk>/assign/", views.seat_assign, name="seat_assign"),
    path("pools/<pk:pk>/bulk/", views.bulk_upload, name="bulk_upload"),
    path("pools/<pk:pk>/bulk-edit/", views.bulk_edit, name="bulk_edit"),
    path("bulk-edits/<pk:pk>/", views.bulk_edit_detail, name="bulk_edit_detail"),
    path("pools/<pk:pk>/remove-seats/", views.seats_remove, name="seats_remove"),
    path("seats/<pk:pk>/edit/", views.seat_edit, name="seat_edit"),
    path("seats/<pk:pk>/reassign/", views.seat_reassign, name="seat_reassign"),
    path("seats/<pk:pk>/remove/", views.seat_remove, name="seat_remove"),
    path("seats/<pk:pk>/resend/", views.seat_resend, name="seat_resend"),
    path("partner/<pk:pk>/", views.mpn_requirements, name="mpn_requirements"),
    path("partner/<pk:pk>/privileges/", views.mpn_privileges, name="mpn_privileges"),
    path("partner/<pk:pk>/privileges/visual-studio/", views.mpn_vs_subscriptions, name="mpn_vs_subscriptions"),
    path("partner/roles/<pk:pk>/remove/", views.mpn_contact_role_remove, name="mpn_contact_role_remove"),
    path(
        "partner/subscriptions/<pk:pk>/remove/",
        views.mpn_subscription_remove,
        name="mpn_subscription_remove",
    ),
]
