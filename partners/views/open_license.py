"""Add Open License (OPEN-1..6) and the customer's Deny Access link (OPEN-4, RES-1, RES-4)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensing_portal.errors import ApplicationError
from licensing_portal.feedback import form_service
from partners import services
from partners.forms import (
    OpenLicenseAddForm,
)

from .decorators import _remote_addr, verified_business_email_required


@require_http_methods(["GET", "HEAD", "POST"])
@verified_business_email_required
def open_license_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_complete_profile:  # OPEN-2: first use asks for the names first
        return redirect(f"{reverse('core:profile')}?{urlencode({'next': request.get_full_path()})}")
    form = OpenLicenseAddForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ok, access = form_service(
            form,
            services.open_license_access_add,
            user=user,
            license_number=form.cleaned_data["license_number"],
            authorization_number=form.cleaned_data["authorization_number"],
            remote_addr=_remote_addr(request),
        )
        if not ok:
            status = 400
        else:
            messages.success(
                request,
                _("Open License %(number)s was added to your permissions. Its administrators have been told.")
                % {"number": access.licensing_id.number},
            )
            return redirect("agreements:detail", access.licensing_id_id)
    elif request.method == "POST":
        status = 400
    suspended = services.open_license_suspension_active(user=user, remote_addr=_remote_addr(request))
    return render(
        request,
        "partners/open_license_add.html",
        {"form": form, "suspended": suspended, "lockout_message": services.lockout_text()},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def access_deny(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Works without signing in. GET/HEAD only show a confirmation (mail scanners prefetch links)."""
    template = "partners/access_deny.html"
    try:
        if request.method == "POST":
            access = services.open_license_access_deny_by_link(access_id=pk, token=token)
            return render(request, template, {"access": access, "done": True})
        access = services.open_license_access_check_link(access_id=pk, token=token)
    except ApplicationError as exc:
        return render(request, template, {"error": exc.message}, status=400)
    return render(request, template, {"access": access, "already_denied": access.denied_at is not None})
