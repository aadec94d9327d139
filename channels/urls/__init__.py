"""All URLs of the channels app, namespace `channels`, one module per audience."""

from channels.urls import applications, public, staff

app_name = "channels"

urlpatterns = applications.urlpatterns + staff.urlpatterns + public.urlpatterns
