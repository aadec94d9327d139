"""Security headers that Django 5.2 does not set by itself.

Django's own middleware already sends X-Frame-Options (XFrameOptionsMiddleware),
Referrer-Policy, Cross-Origin-Opener-Policy and X-Content-Type-Options
(SecurityMiddleware, from the SECURE_* settings). This adds the Content
Security Policy and the Permissions-Policy. Django 6 has a built-in CSP; until
then the policy is a fixed string, since no page needs a nonce: every script
and style is a file served by the application, and no template uses inline
scripts, event-handler attributes or style attributes.

Also here: the parts of login throttling (django-axes) that are the
project's own, a backend that lets request-less logins through and the
Swedish lockout page.
"""

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Send the Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # One policy everywhere, Django's admin included: its templates write no
        # style attributes (its scripts set styles through the DOM, which CSP allows).
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# --- Login throttling (django-axes) -------------------------------------------


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check, for logins that come with a request.

    Every login over the web passes the request (Django's LoginView and the
    admin's login form do), and only such a login has an address to throttle.
    A call without a request (the test client's `login()`, a management shell)
    is not a web login: it is left to the next backend rather than refused.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# The longest username django-axes' tables hold (AccessAttempt.username).
AXES_USERNAME_MAX_LENGTH = 255


def login_username(request, credentials=None) -> str | None:
    """The username django-axes counts a login attempt by, cut to what its table holds.

    Django's login form does not limit the username's length before trying it, so a
    longer one reached axes' record of the failed attempt, which PostgreSQL refused: a
    server error instead of "wrong username or password". Otherwise axes' own choice.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:AXES_USERNAME_MAX_LENGTH] if isinstance(username, str) else username


def lockout_response(request, original_response=None, credentials=None):
    """The page shown after too many failed logins: 429, with when to try again."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        "registration/lockout.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
