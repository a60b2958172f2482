from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal import shown_once
from licensing_portal.errors import ApplicationError
from licensing_portal.paging import page_number
from licensing_portal.tenancy import administered_organizations
from licensing_portal.webhooks import selectors, services
from licensing_portal.webhooks.forms import EndpointForm

PER_PAGE = 50


@login_required
def endpoint_list(request):
    return render(
        request,
        "webhooks/list.html",
        {
            "endpoints": list(selectors.endpoint_list(user=request.user)),
            "administers": administered_organizations(request.user).exists(),
        },
    )


@login_required
def endpoint_create(request):
    organizations = administered_organizations(request.user)
    form = EndpointForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_register(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                url=form.cleaned_data["url"],
                categories=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ApplicationError as exc:
            form.add_error("url", exc.message)
        else:
            # POST/redirect/GET: the secret is shown by the next GET of the endpoint's page only (sealed in the
            # session until then, never stored in clear, never shown again); a reload registers nothing.
            shown_once.keep(request, place=f"webhook:{endpoint.pk}", secret=secret)
            return redirect(endpoint)
    return render(
        request,
        "webhooks/create.html",
        {"form": form, "administers": organizations.exists()},
        status=400 if form.errors else 200,
    )


@login_required
def endpoint_detail(request, pk: int):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    secret = shown_once.pop(request, place=f"webhook:{endpoint.pk}") if request.method == "GET" else None
    if secret:
        return render(request, "webhooks/created.html", {"endpoint": endpoint, "secret": secret})
    page = Paginator(selectors.delivery_list(endpoint=endpoint), PER_PAGE).get_page(page_number(request))
    return render(request, "webhooks/detail.html", {"endpoint": endpoint, "page": page})


@login_required
@require_POST
def endpoint_delete(request, pk: int):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    if request.POST.get("confirm") != "yes":  # the button says what it does; anything else deletes nothing
        messages.error(request, _("Nothing was deleted."))
        return redirect(endpoint)
    services.endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, _("The webhook endpoint was deleted."))
    return redirect("webhooks:list")


@login_required
@require_POST
def delivery_resend(request, pk: int, delivery_pk: int):
    delivery = selectors.delivery_get(user=request.user, endpoint_pk=pk, pk=delivery_pk)
    services.delivery_resend(actor=request.user, webhook_delivery_ids=[delivery.pk], via="portal")
    messages.success(request, _("The delivery was queued again."))
    return redirect("webhooks:detail", pk=pk)
