"""Staff pages of moderation under /moderering/, namespace `moderation`."""

from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("ersattare/", views.substitute_queue, name="substitute_queue"),
    path("ta-bort/", views.bulk_remove, name="bulk_remove"),
    path("okanda-handelser/", views.unhandled_list, name="unhandled_list"),
    path(
        "okanda-handelser/<int:pk>/hanterad/",
        views.unhandled_resolve,
        name="unhandled_resolve",
    ),
    path("registrera/", views.item_create, name="item_create"),
    path("inlagg/<int:pk>/", views.item_detail, name="item_detail"),
    path("inlagg/<int:pk>/kommentar/", views.item_comment, name="item_comment"),
    # ta, slapp, besvara, vidarebefordra, inget-svar, hanvisa, ta-bort, visa-igen,
    # mobbning, radfraga, diariefor (moderation.views.items.ACTIONS)
    path("inlagg/<int:pk>/<slug:action>/", views.item_action, name="item_action"),
    path("franvaro/", views.absence_list, name="absence_list"),
    path("franvaro/<int:pk>/avsluta/", views.absence_end, name="absence_end"),
    path("svarsmallar/", views.reply_template_list, name="reply_template_list"),
    path("svarsmallar/<int:pk>/", views.reply_template_edit, name="reply_template_edit"),
]
