from django.urls import path

from agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.licensing_id_list, name="list"),
    path("<int:pk>/", views.licensing_id_detail, name="detail"),
    path("<int:pk>/access/", views.licensing_id_access, name="access"),
    path("<int:pk>/downloads/<int:download_pk>/", views.licensing_id_download, name="download"),
]
