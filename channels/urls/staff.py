"""URLs of the staff side of the register (see channels/views/staff.py)."""

from django.urls import path

from channels.views import staff as views

urlpatterns = [
    path("register/kanaler/", views.staff_channel_list, name="staff_channel_list"),
    path(
        "register/ansokningar/<int:application_pk>/registrera/",
        views.staff_channel_register,
        name="staff_channel_register",
    ),
    path("register/kanaler/<int:pk>/", views.staff_channel_detail, name="staff_channel_detail"),
    path("register/kanaler/<int:pk>/andra/", views.staff_channel_edit, name="staff_channel_edit"),
    path(
        "register/kanaler/<int:pk>/publicera/",
        views.staff_channel_publish,
        name="staff_channel_publish",
    ),
    path(
        "register/kanaler/<int:pk>/avpublicera/",
        views.staff_channel_unpublish,
        name="staff_channel_unpublish",
    ),
    path(
        "register/kanaler/<int:pk>/avsluta/",
        views.staff_channel_close,
        name="staff_channel_close",
    ),
    path(
        "register/kanaler/<int:pk>/anmal-avslut/",
        views.staff_channel_report_closure,
        name="staff_channel_report_closure",
    ),
    path(
        "register/kanaler/<int:pk>/bekrafta/",
        views.staff_channel_confirm_review,
        name="staff_channel_confirm_review",
    ),
    path(
        "register/kanaler/<int:pk>/hanterare/",
        views.staff_channel_handlers,
        name="staff_channel_handlers",
    ),
    path("register/politik/", views.staff_political_list, name="staff_political_list"),
    path("register/politik/ny/", views.staff_political_create, name="staff_political_create"),
    path(
        "register/politik/<int:pk>/andra/",
        views.staff_political_edit,
        name="staff_political_edit",
    ),
    path(
        "register/politik/<int:pk>/ta-bort/",
        views.staff_political_delete,
        name="staff_political_delete",
    ),
]
