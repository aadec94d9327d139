"""The ingestion API under /api/v1/, namespace `ingest_api`."""

from django.urls import path

from moderation import api

app_name = "ingest_api"

urlpatterns = [
    path("items", api.item_ingest, name="items"),
]
