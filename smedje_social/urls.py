from django.contrib import admin
from django.urls import include, path

# The public register's API and pages first: they take most of the traffic, and Django
# tries the patterns in order (BENCHMARKS.md, 1.). No two includes share a path.
urlpatterns = [
    path("api/v1/", include("channels.api.urls")),
    path("api/v1/", include("moderation.api_urls")),
    path("", include("channels.urls")),
    path("", include("core.urls")),
    path("webhooks/", include("moderation.webhook_urls")),
    path("moderering/", include("moderation.urls")),
    path("arkiv/", include("archive.urls")),
    path("oversikt/", include("moderation.dashboard_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
