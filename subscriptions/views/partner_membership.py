"""Partner membership (MPN-1..3): requirements, contact roles, privileges, subscriptions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.feedback import form_service, reported
from subscriptions import selectors, services
from subscriptions.forms import (
    ContactRoleForm,
    PersonChoiceForm,
)


@login_required
def mpn_requirements(request, pk: int):
    """Requirements & Assets: the partner's people and their contact roles (MPN-2)."""
    membership = selectors.membership_get(user=request.user, pk=pk)
    people = selectors.membership_people(membership=membership)
    form = ContactRoleForm(request.POST or None, people=people)
    if request.method == "POST":
        if form.is_valid():
            ok, _result = form_service(
                form,
                services.partner_contact_role_assign,
                membership=membership,
                member=form.cleaned_data["member"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
            if ok:
                messages.success(request, _("The contact role was saved."))
                return redirect("subscriptions:mpn_requirements", pk=membership.pk)
        return render(
            request,
            "subscriptions/mpn_requirements.html",
            {"membership": membership, "people": people, "form": form},
            status=400,
        )
    return render(
        request,
        "subscriptions/mpn_requirements.html",
        {"membership": membership, "people": people, "form": form},
    )


@login_required
@require_POST
def mpn_contact_role_remove(request, pk: int):
    role = selectors.contact_role_get(user=request.user, pk=pk)
    with reported(request, _("The contact role was removed.")):
        services.partner_contact_role_remove(contact_role=role, actor=request.user)
    return redirect("subscriptions:mpn_requirements", pk=role.membership_id)


@login_required
def mpn_privileges(request, pk: int):
    membership = selectors.membership_get(user=request.user, pk=pk)
    people = selectors.membership_people(membership=membership)
    assigned = sum(1 for p in people if p.subscription)
    return render(request, "subscriptions/mpn_privileges.html", {"membership": membership, "assigned": assigned})


@login_required
def mpn_vs_subscriptions(request, pk: int):
    """Privileges → Visual Studio subscriptions → pick the individual → submit (MPN-3)."""
    membership = selectors.membership_get(user=request.user, pk=pk)
    people = selectors.membership_people(membership=membership)
    form = PersonChoiceForm(request.POST or None, people=people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            member = form.cleaned_data["member"]
            ok, _result = form_service(
                form, services.partner_subscription_assign, membership=membership, member=member, actor=request.user
            )
            if ok:
                messages.success(
                    request,
                    _("%(person)s was assigned a subscription and emailed.") % {"person": member.user},
                )
                return redirect("subscriptions:mpn_vs_subscriptions", pk=membership.pk)
        status = 400
    assigned = [p for p in people if p.subscription]
    return render(
        request,
        "subscriptions/mpn_vs_subscriptions.html",
        {"membership": membership, "people": people, "assigned": assigned, "form": form},
        status=status,
    )


@login_required
@require_POST
def mpn_subscription_remove(request, pk: int):
    subscription = selectors.partner_subscription_get(user=request.user, pk=pk)
    with reported(request, _("The subscription was removed.")):
        services.partner_subscription_remove(subscription=subscription, actor=request.user)
    return redirect("subscriptions:mpn_vs_subscriptions", pk=subscription.membership_id)
