from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health
from core.models import SitePage


@require_GET
def home(request):
    return render(request, "core/home.html")


def _site_page(request, slug, template):
    page = SitePage.objects.filter(slug=slug).first()
    return render(request, template, {"page": page})


@require_GET
def accessibility(request):
    return _site_page(request, SitePage.Slug.ACCESSIBILITY, "core/accessibility.html")


@require_GET
def guidelines(request):
    return _site_page(request, SitePage.Slug.GUIDELINES, "core/guidelines.html")


@never_cache
@require_GET
def healthz(request):
    """Database and broker reachability and the scheduler's last heartbeat.

    200 when all three are fine, 503 otherwise, so a load balancer or monitor
    can act on the status code alone.
    """
    database = health.database_status()
    broker = health.broker_status()
    heartbeat = health.heartbeat_status(database_ok=database["ok"])
    healthy = database["ok"] and broker["ok"] and heartbeat["ok"]
    return JsonResponse(
        {
            "status": "ok" if healthy else "unhealthy",
            "database": database,
            "broker": broker,
            "heartbeat": heartbeat,
        },
        status=200 if healthy else 503,
    )


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without the request context, so that nothing that failed in
    # the request can fail again here, and nothing internal is shown.
    return render(None, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
