"""Pages of role-scoped, time-bound partner access (RES-8..10). Thin: form -> service -> message/redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.feedback import reported
from licensing_portal.paging import page_number
from partners import partner_access, partner_access_selectors, selectors
from partners.models import ResellerRelationship
from partners.partner_access_forms import AcceptTermsForm, ExtendForm, ExtensionDecisionForm, ExtensionRequestForm


def accept_context(request: HttpRequest, rel: ResellerRelationship) -> dict:
    """The acceptance page's RES-8 part: the licensing IDs this user administers, the roles asked for (all
    ticked; untick to narrow) and the duration asked for (shorten it)."""
    licences = partner_access_selectors.own_administered_licences(user=request.user)
    initial = {"licences": [lid.pk for lid in licences], "roles": rel.requested_roles, "days": rel.requested_days}
    form = AcceptTermsForm(request.POST if request.method == "POST" else None, licences=licences, initial=initial)
    return {
        "terms_form": form,
        "accept_licences": licences,
        "requested_roles": partner_access.roles_sorted(rel.requested_roles),
    }


def accept_terms(context: dict) -> dict:
    """Terms of the wrong shape go to the service as nothing chosen: it refuses them with a reason, audited."""
    form = context["terms_form"]
    if not form.is_valid():
        return {"licensing_id_pks": [], "roles": [], "days": 0}
    return {
        "licensing_id_pks": form.cleaned_data["licences"],
        "roles": form.cleaned_data["roles"],
        "days": form.cleaned_data["days"],
    }


@login_required
def partner_access_page(request: HttpRequest) -> HttpResponse:
    """RES-10: the customer's own administrators see every partner holding access, and act on it (RES-9)."""
    page = partner_access_selectors.partner_access_page(user=request.user, page=page_number(request))
    return render(
        request,
        "partners/partner_access.html",
        {
            "page": page,
            "rows": page.object_list,
            "extend_form": ExtendForm(),
            "max_days": partner_access.ACCESS_MAX_DAYS,
        },
    )


def _form_error(request: HttpRequest, form) -> None:
    messages.error(request, _("Enter a number of days from 1 to %(days)d.") % {"days": partner_access.ACCESS_MAX_DAYS})


@require_POST
@login_required
def relationship_extend(request: HttpRequest, pk: int) -> HttpResponse:
    rel = selectors.relationship_get(user=request.user, pk=pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("partners:partner_access")
    with reported(request, _("The partner's access was extended; both sides have been told.")):
        partner_access.relationship_extend(relationship=rel, actor=request.user, days=form.cleaned_data["days"])
    return redirect("partners:partner_access")


@require_POST
@login_required
def relationship_end(request: HttpRequest, pk: int) -> HttpResponse:
    rel = selectors.relationship_get(user=request.user, pk=pk)
    with reported(request, _("The partner's access has ended; both sides have been told.")):
        partner_access.relationship_end_early(relationship=rel, actor=request.user)
    return redirect("partners:partner_access")


@require_POST
@login_required
def relationship_extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    rel = selectors.relationship_get(user=request.user, pk=pk)
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return redirect("partners:partner_access")
    approve = form.cleaned_data["decision"] == "approve"
    done = _("The extension was approved.") if approve else _("The extension was declined.")
    with reported(request, done):
        partner_access.relationship_extension_decide(relationship=rel, actor=request.user, approve=approve)
    return redirect("partners:partner_access")


@require_POST
@login_required
def relationship_extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The partner's side (its Customers page)."""
    rel = selectors.relationship_get(user=request.user, pk=pk)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("partners:customers")
    with reported(request, _("We asked the customer to extend your access.")):
        partner_access.relationship_extension_request(
            relationship=rel, actor=request.user, days=form.cleaned_data["days"]
        )
    return redirect("partners:customers")
