"""The partner home page and the partner organisation switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partners import selectors
from partners.forms import (
    PartnerSwitchForm,
)

from .decorators import ACTING_FOR, _memberships, partner_member_required


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Partner and Open License landing page, with the agreement selector of RES-4a."""
    memberships, membership = _memberships(request)
    context = {"membership": membership}
    if len(memberships) > 1:
        context["switch_form"] = PartnerSwitchForm(
            memberships=memberships, initial={"organization": membership.organization_id}
        )
    if membership is not None and request.user.verified_business_email:
        context.update(
            agreements=selectors.agreement_selector_list(user=request.user),
            invitations=selectors.invitation_list(user=request.user, partner=membership.organization),
            orders=selectors.partner_order_list(user=request.user, partner=membership.organization)[:20],
        )
    return render(request, "partners/index.html", context)


@require_POST
@partner_member_required
def partner_switch(request: HttpRequest) -> HttpResponse:
    """Act for another of the user's partner organisations from now on (this session)."""
    form = PartnerSwitchForm(request.POST, memberships=request.partner_memberships)
    if form.is_valid():
        request.session[ACTING_FOR] = form.cleaned_data["organization"]
        chosen = selectors.acting_membership(request.partner_memberships, form.cleaned_data["organization"])
        messages.success(request, _("You now act for partner %(name)s.") % {"name": chosen.organization.name})
    else:
        messages.error(request, _("Choose one of the partner organisations you work for."))
    return redirect("partners:index")
