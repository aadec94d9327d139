"""What every archive view shares: the role checks that answer 404, paging."""

import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404

from archive import permissions

PAGE_SIZE = 25


def reader_required(view):
    """Registrator or Kommunikatör; anyone else gets 404 (logged out: the login page)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.user_can_search_archive(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def registrar_required(view):
    """Registrator only; anyone else gets 404."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.user_can_manage_archive(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("sida", None)
    return query.urlencode()
