"""The open-data API under /api/v1/, namespace `api`."""

from django.urls import path

from channels.api import views

app_name = "api"

urlpatterns = [
    path("channels", views.channel_list, name="channel_list"),
    path("channels.csv", views.channel_csv, name="channel_csv"),
    path("verify", views.verify, name="verify"),
    path("openapi.json", views.OpenAPIView.as_view(), name="openapi"),
]
