"""All URLs of the channels app, namespace `channels`, one module per audience."""

from channels.urls import applications, public, staff

app_name = "channels"

# The public pages first: they take most of the traffic, and Django tries the patterns
# in order (BENCHMARKS.md, 1.). No two modules share a path.
urlpatterns = public.urlpatterns + applications.urlpatterns + staff.urlpatterns
