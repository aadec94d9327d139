"""URLs of channel applications (channels/views/applications.py)."""

from django.urls import path

from channels.views import applications as views

urlpatterns = [
    path("ansokningar/", views.application_list, name="application_list"),
    path("ansokningar/ny/", views.application_create, name="application_create"),
    path("ansokningar/att-besluta/", views.application_decide_list, name="application_decide_list"),
    path(
        "ansokningar/att-registrera/",
        views.application_registration_list,
        name="application_registration_list",
    ),
    path("ansokningar/<int:pk>/", views.application_detail, name="application_detail"),
    path("ansokningar/<int:pk>/andra/", views.application_edit, name="application_edit"),
    path("ansokningar/<int:pk>/skicka/", views.application_submit, name="application_submit"),
    path("ansokningar/<int:pk>/radera/", views.application_delete, name="application_delete"),
    path("ansokningar/<int:pk>/beslut/", views.application_decide, name="application_decide"),
]
