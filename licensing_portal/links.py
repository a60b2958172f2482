"""Links: absolute portal URLs for emails, and the one safe way to follow a posted `next` (SEC-9 open redirects).

Kernel module: imports no domain app.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def absolute_url(path: str) -> str:
    """PORTAL_BASE_URL joined to a site path, for links that leave the site (emails)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def portal_url(viewname: str, *args) -> str:
    """The absolute URL of a named route."""
    return absolute_url(reverse(viewname, args=args))


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The posted `next` when it stays on this host (and on https when the request is), else `default`."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return default


def redirect_back(request: HttpRequest, default: str, **kwargs) -> HttpResponse:
    """Back to the safe posted `next`, else to the named route `default`."""
    next_url = safe_next(request)
    if next_url:
        return HttpResponseRedirect(next_url)  # redirect() would take a bare word for a url name
    return redirect(default, **kwargs)
