"""RES-4 a/b/c: a partner registers a licence, the relationship summary, OLP registration."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensing_portal.feedback import form_service
from partners import selectors, services
from partners.forms import (
    PartnerLicenseRegisterForm,
    PartnerRegisterForm,
)
from partners.models import OpenLicenseAccess

from .decorators import PK, _remote_addr, partner_member_required, verified_business_email_required


@partner_member_required
def agreement_select(request: HttpRequest) -> HttpResponse:
    """The agreement selector's choice (a plain GET navigation, nothing changes)."""
    choice = request.GET.get("licence", "")
    if choice == "new":
        return redirect(f"{reverse('partners:license_register')}?route={OpenLicenseAccess.Route.SELECTOR}")
    if PK.fullmatch(choice):
        return redirect("agreements:detail", int(choice))
    return redirect("partners:index")


@partner_member_required
def relationship_summary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/relationship_summary.html",
        {"licences": selectors.open_license_list(user=request.user)},
    )


@partner_member_required
def license_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lid = selectors.open_license_get(user=request.user, pk=pk)
    register_url = (
        f"{reverse('partners:license_register')}?"
        f"{urlencode({'route': OpenLicenseAccess.Route.SUMMARY, 'license': lid.number})}"
    )
    return render(request, "partners/license_detail.html", {"lid": lid, "register_url": register_url})


@require_http_methods(["GET", "HEAD", "POST"])
@partner_member_required
def license_register(request: HttpRequest) -> HttpResponse:
    initial = {
        "license_number": request.GET.get("license", "")[:20],
        "route": request.GET.get("route", OpenLicenseAccess.Route.SELECTOR),
    }
    form = PartnerLicenseRegisterForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            ok, access = form_service(
                form,
                services.partner_license_register,
                user=request.user,
                partner=request.partner_membership.organization,
                license_number=data["license_number"],
                authorization_number=data["authorization_number"],
                customer_email=data["customer_email"],
                remote_addr=_remote_addr(request),
                route=data["route"],
            )
            if ok:
                messages.success(
                    request,
                    _("Open License %(number)s is registered to your organisation; the customer has been told.")
                    % {"number": access.licensing_id.number},
                )
                return redirect("partners:index")
    suspended = services.open_license_suspension_active(user=request.user, remote_addr=_remote_addr(request))
    return render(
        request,
        "partners/license_register.html",
        {"form": form, "suspended": suspended, "lockout_message": services.lockout_text()},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@verified_business_email_required
def olp_register(request: HttpRequest) -> HttpResponse:
    form = PartnerRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _result = form_service(
            form, services.partner_organization_register, user=request.user, name=form.cleaned_data["name"]
        )
        if ok:
            messages.success(request, _("Your partner organisation is registered. Now register the Open License."))
            return redirect(f"{reverse('partners:license_register')}?route={OpenLicenseAccess.Route.DIRECT}")
    return render(
        request, "partners/olp_register.html", {"form": form}, status=400 if request.method == "POST" else 200
    )
