"""The citizens' side of the register: list, channel page, verification,
political links. No login, no JavaScript, nothing from other hosts.

Caching: every page answers conditional GETs with an ETag derived from the
register's last public change (`public_queries.register_version`), the path
and query, the language and the visitor's cookies, and is sent with
`Cache-Control: private, no-cache`:

* `no-cache`, not `max-age`: verification is what citizens use to spot
  impersonation, so a closed channel must stop being "official" within a
  second (the version as this process read it at most
  `REGISTER_VERSION_MAX_AGE` ago, `public_queries.recent_register_version`);
  revalidating costs at most one query and a 304 without a body.
* `private`: each page carries the visitor's CSRF token (the language form)
  and the navigation of a logged-in employee, so a shared cache must not
  hand it to someone else. For the same reason the CSRF and session cookies
  are part of the ETag: a new token or a login gives a fresh page.

The list and the channel pages themselves are kept whole in the cache per
register version for visitors without a session (core.public_cache), each
answer getting the visitor's own CSRF token; the list also keeps its form and
rows as a template fragment, which serves logged-in employees.
"""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from channels import public_queries
from channels.models import Platform
from channels.public_queries import MAX_ADDRESS_LENGTH, SORT_ORDERS
from core.public_cache import cached_response
from core.ratelimit import rate_limited

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200


# --- Forms -------------------------------------------------------------------


class RegisterFilterForm(forms.Form):
    """The search and filter form of the register (a GET form)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY_LENGTH)
    enhet = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=public_queries.units_with_published_channels(),
        to_field_name="slug",
        required=False,
        empty_label=_("All units"),
    )
    plattform = forms.ModelChoiceField(
        label=_("Platform"),
        queryset=public_queries.platforms(),
        to_field_name="slug",
        required=False,
        empty_label=_("All platforms"),
    )
    sortera = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("namn", _("Name")), ("enhet", _("Unit")), ("plattform", _("Platform"))],
    )

    def filters(self) -> dict:
        """The filters to apply: the valid fields only, so bad values are ignored."""
        self.is_valid()
        data = self.cleaned_data
        sort = data.get("sortera")
        return {
            "q": data.get("q") or "",
            "unit": data.get("enhet"),
            "platform": data.get("plattform"),
            "sort": sort if sort in SORT_ORDERS else public_queries.DEFAULT_SORT,
        }


class VerifyForm(forms.Form):
    url = forms.CharField(
        label=_("Address or handle of the account"),
        max_length=MAX_ADDRESS_LENGTH,
        help_text=_("For example https://www.facebook.com/name or @name."),
    )
    plattform = forms.ModelChoiceField(
        label=_("Platform (if you only have a handle)"),
        queryset=Platform.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Any platform"),
    )

    def verify(self):
        """The verification, or None with an error on the field when it is no address."""
        if not self.is_valid():
            return None
        verification = public_queries.verify_address(
            self.cleaned_data["url"], platform=self.cleaned_data["plattform"]
        )
        if verification is None:
            self.add_error(
                "url",
                _(
                    "We could not read this as the address or handle of an account. "
                    "Paste the address of the account's page, e.g. "
                    "https://www.instagram.com/name."
                ),
            )
        return verification


# --- Conditional GET -------------------------------------------------------------


def _visitor_state(request) -> tuple:
    """What besides the data changes the page for this visitor."""
    return (
        request.get_host(),
        request.get_full_path(),
        get_language(),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
    )


def register_page_etag(request, *args, **kwargs) -> str | None:
    # A pending message is shown on the next full page; a 304 would hide it.
    if "messages" in request.COOKIES:
        return None
    return public_queries.etag_for(
        "page", public_queries.request_register_version(request), *_visitor_state(request)
    )


def political_page_etag(request, *args, **kwargs) -> str | None:
    if "messages" in request.COOKIES:
        return None
    return public_queries.etag_for(
        "political", public_queries.political_links_version(), *_visitor_state(request)
    )


def public_page(etag_func):
    """GET/HEAD only, conditional on `etag_func`, revalidated on every use."""

    def decorator(view):
        view = condition(etag_func=etag_func)(view)
        view = cache_control(private=True, no_cache=True)(view)
        return require_safe(view)

    return decorator


# --- Views -------------------------------------------------------------------


@public_page(register_page_etag)
@cached_response("register-page", public_queries.request_register_version)
def public_list(request):
    """Every published channel: search, filter by unit and platform, sort, paginate."""
    form = RegisterFilterForm(request.GET)
    filters = form.filters()
    channels = public_queries.published_channels(**filters)
    # Lazy: the template keeps the form and the list in the cache per register version,
    # path and language, and a cached page runs neither the count nor the list query.
    page = SimpleLazyObject(
        lambda: Paginator(channels, PAGE_SIZE).get_page(request.GET.get("sida"))
    )
    query = request.GET.copy()
    query.pop("sida", None)
    filtered = bool(filters["q"] or filters["unit"] or filters["platform"])
    return render(
        request,
        "channels/public/list.html",
        {
            "form": form,
            "page": page,
            "page_range": SimpleLazyObject(
                lambda: list(page.paginator.get_elided_page_range(page.number, on_each_side=2))
            ),
            "query": query.urlencode(),
            "filtered": filtered,
            "sort": filters["sort"],
            "register_version": public_queries.request_register_version(request),
        },
    )


@public_page(register_page_etag)
@cached_response("register-page", public_queries.request_register_version)
def public_detail(request, pk):
    """One published channel; registered and closed channels do not exist here."""
    channel = public_queries.published_channel(pk)
    if channel is None:
        raise Http404
    return render(request, "channels/public/detail.html", {"channel": channel})


# Outermost, so that conditional requests (304) count too: each one looks up the register.
@rate_limited("verify", setting="RATE_LIMIT_VERIFY")
@public_page(register_page_etag)
def public_verify(request):
    """ "Is this account official?": official, closed since a date, or unknown."""
    form = VerifyForm(request.GET if "url" in request.GET else None)
    verification = form.verify() if form.is_bound else None
    return render(
        request,
        "channels/public/verify.html",
        {"form": form, "verification": verification},
    )


@public_page(political_page_etag)
def public_political(request):
    """Political representatives' links, grouped by party, with the disclaimer."""
    return render(
        request,
        "channels/public/political.html",
        {"links": public_queries.active_political_links()},
    )
