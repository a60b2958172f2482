"""What every partner page shares: the verified-email and partner-member guards, the acting-for switch."""

from __future__ import annotations

import re
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import render

from licensing_portal.core.adapters import client_ip
from partners import selectors

PK = re.compile(r"[0-9]{1,18}")  # ASCII digits only, in bigint range: int() takes "²" and "١" badly or not at all


def _remote_addr(request: HttpRequest) -> str | None:
    """The client address OPEN-5 counts per, behind the configured trusted proxies (SEC-11)."""
    return client_ip(request)


def verified_business_email_required(view):
    """Agreement data and Open License access follow the verified business email (ACC-2)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.verified_business_email:
            return render(request, "partners/verify_prompt.html")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


ACTING_FOR = "partners.acting_for"  # session key: the partner organisation chosen with the switcher


def _memberships(request):
    """(every partner membership of the user, the one they act for): one query."""
    memberships = selectors.partner_memberships(user=request.user)
    return memberships, selectors.acting_membership(memberships, request.session.get(ACTING_FOR))


def partner_member_required(view):
    """Partner pages; an unrecognised user is told so and offered OLP Partners registration (RES-4c)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.partner_memberships, membership = _memberships(request)
        if membership is None:
            return render(request, "partners/unrecognised.html", status=403)
        request.partner_membership = membership
        return view(request, *args, **kwargs)

    return verified_business_email_required(wrapper)
