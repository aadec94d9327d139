from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from core import views
from core.ratelimit import rate_limited

# Per address, beyond django-axes' per-username lockout: only the POSTs try credentials
# or send e-mail; showing the forms is not limited.
_limit_login = rate_limited("login", setting="RATE_LIMIT_LOGIN", methods=("POST",))
_limit_reset = rate_limited("password_reset", setting="RATE_LIMIT_LOGIN", methods=("POST",))

urlpatterns = [
    path("", views.home, name="home"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("riktlinjer/", views.guidelines, name="guidelines"),
    path("healthz", views.healthz, name="healthz"),
    path("konto/logga-in/", _limit_login(auth_views.LoginView.as_view()), name="login"),
    path("konto/logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "konto/losenord/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "konto/losenord/klart/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "konto/aterstall/",
        _limit_reset(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "konto/aterstall/skickat/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "konto/aterstall/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "konto/aterstall/klart/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Django's language switch, without the CSRF check: a forged request could at
    # worst change the visitor's language, and without a token in the switch the
    # public pages are the same for every visitor and are kept whole in the cache
    # (core/public_cache.py). It still takes only POST and a safe `next`.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
