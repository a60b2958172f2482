"""A subscriber's side (SUB-4): My Benefits and contacting the subscription administrators."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from licensing_portal.feedback import form_service
from subscriptions import selectors, services
from subscriptions.forms import (
    ContactAdminForm,
)

from .seats import _form_page


@login_required
def my_benefits(request):
    """SUB-4: the subscriber completes their profile first, then sees every subscription assigned to them."""
    if not request.user.has_complete_profile:
        messages.info(request, _("Complete your profile to see your subscription benefits."))
        return redirect(f"{reverse('core:profile')}?{urlencode({'next': reverse('subscriptions:my_benefits')})}")
    return render(request, "subscriptions/my_benefits.html", selectors.my_benefits(user=request.user))


@login_required
def contact_admin(request, pk: int):
    """SUB-9: from My benefits, write to the people who manage this subscription without learning who they are."""
    seat = selectors.my_seat_get(user=request.user, pk=pk)
    context = {"seat": seat, "pool": seat.pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/contact_admin.html", context, ContactAdminForm())
    form = ContactAdminForm(request.POST)
    if form.is_valid():
        ok, _result = form_service(
            form, services.seat_contact_admins, seat=seat, sender=request.user, message=form.cleaned_data["message"]
        )
        if ok:
            messages.success(request, _("Your message was sent to the administrators of this subscription."))
            return redirect("subscriptions:my_benefits")
    return _form_page(request, "subscriptions/contact_admin.html", context, form, status=400)
