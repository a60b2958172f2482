"""Reseller relationships (RES-5..7): partner side, customer side, support contacts, removal."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensing_portal.errors import ApplicationError
from licensing_portal.feedback import form_service, reported
from licensing_portal.links import redirect_back
from partners import partner_access_views, selectors, services
from partners.forms import (
    RelationshipAcceptForm,
    RelationshipInviteForm,
    SupportContactForm,
)

from .decorators import PK, partner_member_required, verified_business_email_required


@partner_member_required
def customers(request: HttpRequest) -> HttpResponse:
    partner = request.partner_membership.organization
    members = list(selectors.partner_member_list(user=request.user, partner=partner))
    return render(
        request,
        "partners/customers.html",
        {
            "partner": partner,
            "is_admin": request.partner_membership.is_admin,
            "customers": selectors.customer_list(user=request.user, partner=partner),
            "support_form": SupportContactForm(members=members),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@partner_member_required
def relationship_invite(request: HttpRequest) -> HttpResponse:
    """The draft is shown in the POST's answer only: the personal link is never stored in clear."""
    form = RelationshipInviteForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        ok, invited = form_service(
            form,
            services.relationship_invite,
            partner=request.partner_membership.organization,
            invited_by=request.user,
            **form.cleaned_data,
        )
        if ok:
            rel, url = invited
            draft = services.relationship_invitation_draft(relationship=rel, url=url)
            mailto = f"mailto:{quote(rel.customer_email)}?" + urlencode(
                {"subject": draft["subject"], "body": draft["body"]}, quote_via=quote
            )
            context.update(relationship=rel, url=url, draft=draft, mailto=mailto)
    return render(request, "partners/relationship_invite.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def relationship_accept(request: HttpRequest, token: str) -> HttpResponse:
    template = "partners/relationship_accept.html"
    try:
        rel = services.relationship_check_invitation(token=token)
    except ApplicationError as exc:
        return render(request, template, {"error": exc.message}, status=400)
    organizations = list(selectors.administered_customer_organizations(user=request.user))
    form = RelationshipAcceptForm(request.POST or None)
    context = partner_access_views.accept_context(request, rel)  # RES-8: licensing IDs, roles, duration
    if request.method == "POST":
        customer_id = form.cleaned_data["customer"] if form.is_valid() else None
        try:
            services.relationship_accept(
                token=token, user=request.user, customer_id=customer_id, **partner_access_views.accept_terms(context)
            )
        except ApplicationError as exc:
            return render(
                request,
                template,
                {"relationship": rel, "organizations": organizations, "error": exc.message, **context},
                status=400,
            )
        messages.success(request, _("%(partner)s is now your partner.") % {"partner": rel.partner.name})
        return redirect("partners:customer_partners")
    return render(request, template, {"relationship": rel, "organizations": organizations, **context})


@require_POST
@partner_member_required
def support_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    rel = selectors.relationship_get_for_partner(user=request.user, pk=pk)
    members = list(selectors.partner_member_list(user=request.user, partner=rel.partner))
    form = SupportContactForm(request.POST, members=members)
    if not form.is_valid():
        messages.error(request, _("Choose one of your organisation's people."))
        return redirect("partners:customers")
    member = next(m for m in members if m.pk == form.cleaned_data["member"])
    with reported(request, _("Support contact assigned.")):
        services.support_contact_add(relationship=rel, member=member, actor=request.user)
    return redirect("partners:customers")


@require_POST
@partner_member_required
def support_contact_remove(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.support_contact_get(user=request.user, pk=pk)
    with reported(request, _("Support contact removed.")):
        services.support_contact_remove(support_contact=contact, actor=request.user)
    return redirect("partners:customers")


@verified_business_email_required
def customer_partners(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/customer_partners.html",
        {
            "relationships": selectors.customer_partner_list(user=request.user),
            "resellers": selectors.reseller_access_list(user=request.user),
        },
    )


@require_POST
@verified_business_email_required
def relationship_admin(request: HttpRequest, pk: int) -> HttpResponse:
    rel = selectors.relationship_get(user=request.user, pk=pk)
    pks = [int(v) for v in request.POST.getlist("licences") if PK.fullmatch(v)]
    with reported(request, _("The partner's administrator permissions were updated.")):
        services.relationship_admin_set(relationship=rel, licensing_id_pks=pks, actor=request.user)
    return redirect("partners:customer_partners")


@require_POST
@login_required
def relationship_remove(request: HttpRequest, pk: int) -> HttpResponse:
    rel = selectors.relationship_get(user=request.user, pk=pk)
    with reported(request, _("The relationship was removed; both sides have been told.")):
        services.relationship_remove(relationship=rel, actor=request.user)
    return redirect_back(request, "partners:index")
