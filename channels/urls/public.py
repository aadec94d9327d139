"""URLs of the public side of the register (see channels/views/public.py)."""

from django.urls import path

from channels.feeds import register_feed
from channels.views import public as views

urlpatterns = [
    path("kanaler/", views.public_list, name="public_list"),
    path("kanaler/<int:pk>/", views.public_detail, name="public_detail"),
    path("kanaler/verifiera/", views.public_verify, name="public_verify"),
    path("kanaler/politik/", views.public_political, name="public_political"),
    path("kanaler/flode.atom", register_feed, name="public_feed"),
]
