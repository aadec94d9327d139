"""The dashboards under /oversikt/, namespace `dashboards` (moderation/dashboards.py)."""

from django.urls import path

from moderation import dashboards

app_name = "dashboards"

urlpatterns = [
    path("mina-arenden/", dashboards.handler_dashboard, name="handler"),
    path("kommunikator/", dashboards.communicator_dashboard, name="communicator"),
]
