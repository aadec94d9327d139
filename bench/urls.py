"""The project's URLconf plus the bench-only constant view (never in the product)."""

from django.http import HttpResponse
from django.urls import include, path

CONSTANT_PATH = "bench/konstant/"


def constant(request):
    """The ceiling: the same server, middleware and worker, and no work at all."""
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [
    path(CONSTANT_PATH, constant),
    path("", include("smedje_social.urls")),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
