from django.urls import path

from permissions import views

app_name = "permissions"
urlpatterns = [
    path("", views.index, name="index"),
]
