"""The platforms' webhook endpoints under /webhooks/, namespace `webhooks`."""

from django.urls import path

from moderation import webhooks

app_name = "webhooks"

urlpatterns = [
    path("meta", webhooks.meta_webhook, name="meta"),
    path("mastodon", webhooks.mastodon_webhook, name="mastodon"),
]
