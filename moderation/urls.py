"""Staff pages of moderation under /moderering/, namespace `moderation`."""

from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("okanda-handelser/", views.unhandled_list, name="unhandled_list"),
    path(
        "okanda-handelser/<int:pk>/hanterad/",
        views.unhandled_resolve,
        name="unhandled_resolve",
    ),
    path("registrera/", views.item_create, name="item_create"),
    path("inlagg/<int:pk>/", views.item_detail, name="item_detail"),
]
