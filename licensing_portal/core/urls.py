from django.urls import path

from licensing_portal.core import bench_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/business-email/", views.BusinessEmailView.as_view(), name="business_email"),
    path(
        "profile/business-email/confirm/<str:token>/",
        views.BusinessEmailConfirmView.as_view(),
        name="business_email_confirm",
    ),
    path("language/", views.language_set, name="language_set"),
    path("bench/hello/", bench_views.hello, name="bench_hello"),
]
