"""Orders: staff order entry naming a reseller (RES-1), partner orders (RES-3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensing_portal.feedback import form_service
from partners import selectors, services
from partners.forms import (
    PartnerOrderForm,
    StaffOrderForm,
)

from .decorators import partner_member_required


@staff_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def order_record(request: HttpRequest) -> HttpResponse:
    form = StaffOrderForm(request.POST or None, organizations=selectors.staff_customer_organizations())
    if request.method == "POST" and form.is_valid():
        ok, ol = form_service(
            form,
            services.open_license_order_record,
            actor=request.user,
            language=request.user.language,
            **form.cleaned_data,
        )
        if ok:
            messages.success(request, _("Open License %(number)s was recorded.") % {"number": ol.license_number})
            return redirect("partners:order_record")
    return render(
        request, "partners/order_record.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@require_http_methods(["GET", "HEAD", "POST"])
@partner_member_required
def order_create(request: HttpRequest) -> HttpResponse:
    form = PartnerOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _result = form_service(
            form,
            services.partner_order_create,
            partner=request.partner_membership.organization,
            placed_by=request.user,
            **form.cleaned_data,
        )
        if ok:
            messages.success(
                request,
                _("The order was placed; %(email)s was invited to assign administrators and open their subscriptions.")
                % {"email": form.cleaned_data["customer_email"]},
            )
            return redirect("partners:index")
    return render(
        request, "partners/order_create.html", {"form": form}, status=400 if request.method == "POST" else 200
    )
