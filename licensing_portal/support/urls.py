from django.urls import path

from licensing_portal.support import views

app_name = "support"
urlpatterns = [
    path("", views.service_request_list, name="list"),
    path("new/", views.service_request_create, name="create"),
    path("<int:pk>/", views.service_request_detail, name="detail"),
    path("<int:pk>/message/", views.service_request_message, name="message"),
]
