"""Partner and Open License pages (OPEN-1..6, RES-1..7). Thin: form -> service -> message/redirect."""

from __future__ import annotations

import re
from functools import wraps
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensing_portal.core.adapters import client_ip
from licensing_portal.errors import ApplicationError
from licensing_portal.feedback import reported
from partners import partner_access_views, selectors, services
from partners.forms import (
    OpenLicenseAddForm,
    PartnerLicenseRegisterForm,
    PartnerOrderForm,
    PartnerPersonInviteForm,
    PartnerRegisterForm,
    PartnerSwitchForm,
    RelationshipAcceptForm,
    RelationshipInviteForm,
    StaffOrderForm,
    SupportContactForm,
)
from partners.models import OpenLicenseAccess

PK = re.compile(r"[0-9]{1,18}")  # ASCII digits only, in bigint range: int() takes "²" and "١" badly or not at all


def _remote_addr(request: HttpRequest) -> str | None:
    """The client address OPEN-5 counts per, behind the configured trusted proxies (SEC-11)."""
    return client_ip(request)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(next_url)  # redirect() would take a bare word for a url name
    return redirect(default)


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


# ---------------------------------------------------------------- OPEN-1..6


@require_http_methods(["GET", "HEAD", "POST"])
@verified_business_email_required
def open_license_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_complete_profile:  # OPEN-2: first use asks for the names first
        return redirect(f"{reverse('core:profile')}?{urlencode({'next': request.get_full_path()})}")
    form = OpenLicenseAddForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            access = services.open_license_access_add(
                user=user,
                license_number=form.cleaned_data["license_number"],
                authorization_number=form.cleaned_data["authorization_number"],
                remote_addr=_remote_addr(request),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
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


# ---------------------------------------------------------------- Deny Access link (OPEN-4, RES-1, RES-4)


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


# ---------------------------------------------------------------- RES-1 staff order entry


@staff_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def order_record(request: HttpRequest) -> HttpResponse:
    form = StaffOrderForm(request.POST or None, organizations=selectors.staff_customer_organizations())
    if request.method == "POST" and form.is_valid():
        try:
            ol = services.open_license_order_record(
                actor=request.user, language=request.user.language, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Open License %(number)s was recorded.") % {"number": ol.license_number})
            return redirect("partners:order_record")
    return render(
        request, "partners/order_record.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


# ---------------------------------------------------------------- RES-3


@require_http_methods(["GET", "HEAD", "POST"])
@partner_member_required
def order_create(request: HttpRequest) -> HttpResponse:
    form = PartnerOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_order_create(
                partner=request.partner_membership.organization, placed_by=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The order was placed; %(email)s was invited to assign administrators and open their subscriptions.")
                % {"email": form.cleaned_data["customer_email"]},
            )
            return redirect("partners:index")
    return render(
        request, "partners/order_create.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


# ---------------------------------------------------------------- RES-4 a/b/c


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
            try:
                access = services.partner_license_register(
                    user=request.user,
                    partner=request.partner_membership.organization,
                    license_number=data["license_number"],
                    authorization_number=data["authorization_number"],
                    customer_email=data["customer_email"],
                    remote_addr=_remote_addr(request),
                    route=data["route"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
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
        try:
            services.partner_organization_register(user=request.user, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your partner organisation is registered. Now register the Open License."))
            return redirect(f"{reverse('partners:license_register')}?route={OpenLicenseAccess.Route.DIRECT}")
    return render(
        request, "partners/olp_register.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


# ---------------------------------------------------------------- RES-5..7 partner side


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
        try:
            rel, url = services.relationship_invite(
                partner=request.partner_membership.organization, invited_by=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
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


# ---------------------------------------------------------------- RES-6 customer side and removal


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
    return _back(request, "partners:index")


# ---------------------------------------------------------------- MPN-2 the partner's people


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
            try:
                services.partner_person_invite(partner=partner, invited_by=request.user, email=email)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
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
