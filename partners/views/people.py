"""MPN-2: the partner's people page, invitations and removal."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensing_portal.errors import ApplicationError
from licensing_portal.feedback import form_service, reported
from partners import selectors, services
from partners.forms import (
    PartnerPersonInviteForm,
)

from .decorators import ACTING_FOR, PK, partner_member_required


def _people_membership(request: HttpRequest):
    """The People page's partner: `?partner=<id>` when it is one of the user's partner organisations (the MPN
    Requirements & Assets page links there), else the one they act for. Choosing here changes nothing."""
    chosen = request.GET.get("partner", "")
    if PK.fullmatch(chosen):
        for membership in request.partner_memberships:
            if membership.organization_id == int(chosen):
                return membership
    return request.partner_membership


def _people_url(partner_id: int) -> str:
    return f"{reverse('partners:people')}?{urlencode({'partner': partner_id})}"


@require_http_methods(["GET", "HEAD", "POST"])
@partner_member_required
def people(request: HttpRequest) -> HttpResponse:
    """The partner's people and open invitations; its Program Administrator adds people by email (MPN-2)."""
    membership = _people_membership(request)
    partner = membership.organization
    form = PartnerPersonInviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not membership.is_admin:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            email = form.cleaned_data["email"]
            ok, _result = form_service(
                form, services.partner_person_invite, partner=partner, invited_by=request.user, email=email
            )
            if ok:
                messages.success(request, _("We emailed an invitation to %(email)s.") % {"email": email})
                return redirect(_people_url(partner.pk))
    return render(
        request,
        "partners/people.html",
        {
            "partner": partner,
            "is_admin": membership.is_admin,
            "people": selectors.partner_people(user=request.user, partner=partner),
            "invitations": list(selectors.partner_invitation_list(user=request.user, partner=partner)),
            "mpn_membership_pk": selectors.partner_membership_pk(partner=partner),
            "form": form,
        },
        status=status,
    )


@require_POST
@partner_member_required
def person_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.partner_person_get(user=request.user, pk=pk)
    with reported(
        request,
        _("%(person)s no longer works for %(partner)s.") % {"person": member.user, "partner": member.organization.name},
    ):
        services.partner_person_remove(member=member, actor=request.user)
    return redirect(_people_url(member.organization_id))


@require_POST
@partner_member_required
def person_invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.partner_invitation_get(user=request.user, pk=pk)
    with reported(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}):
        services.partner_invitation_revoke(invitation=invitation, actor=request.user)
    return redirect(_people_url(invitation.partner_id))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def person_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: GET/HEAD show a confirmation (mail scanners prefetch links), POST joins."""
    template = "partners/person_accept.html"
    try:
        invitation = services.partner_person_check_invitation(token=token)
    except ApplicationError as exc:
        return render(request, template, {"error": exc.message}, status=400)
    context = {
        "invitation": invitation,
        "is_for_you": services.partner_invitation_is_for(invitation=invitation, user=request.user),
    }
    if request.method == "POST":
        try:
            member = services.partner_person_accept(token=token, user=request.user)
        except ApplicationError as exc:
            return render(request, template, {**context, "error": exc.message}, status=400)
        request.session[ACTING_FOR] = member.organization_id
        messages.success(request, _("You now work for partner %(name)s.") % {"name": invitation.partner.name})
        return redirect("partners:index")
    return render(request, template, context)
