from django.contrib import admin
from django.urls import include, path

from core.ratelimit import rate_limited

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
    # The admin's login counts against the same per-address limit as the site's own
    # (core/urls.py), beyond django-axes' per-username lockout; it is tried first.
    path(
        "admin/login/",
        rate_limited("login", setting="RATE_LIMIT_LOGIN", methods=("POST",))(admin.site.login),
    ),
    path("admin/", admin.site.urls),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
