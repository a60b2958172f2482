"""Organisation administrators manage their domains (IDN-2) and single sign-on provider (IDN-1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.errors import ApplicationError
from licensing_portal.feedback import reported
from licensing_portal.identity import selectors, services
from licensing_portal.identity.forms import DomainForm, SSOForm
from licensing_portal.tenancy import administered_organization_or_404


@login_required
def index(request):
    organizations = selectors.administered_organizations_overview(user=request.user)
    return render(request, "identity/index.html", {"organizations": organizations, "form": DomainForm()})


@login_required
@require_POST
def domain_add(request, pk: int):
    organization = administered_organization_or_404(request.user, pk)
    form = DomainForm(request.POST)
    if form.is_valid():
        try:
            domain = services.domain_add(
                organization=organization, domain=form.cleaned_data["domain"], actor=request.user
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("identity:domain_detail", pk=domain.pk)
    else:
        messages.error(request, _("Enter a domain name such as contoso.com."))
    return redirect("identity:index")


@login_required
def domain_detail(request, pk: int):
    return render(request, "identity/domain.html", {"domain": selectors.domain_get(user=request.user, pk=pk)})


@login_required
@require_POST
def domain_verify(request, pk: int):
    domain = selectors.domain_get(user=request.user, pk=pk)
    with reported(request, _("The domain %(domain)s is verified.") % {"domain": domain.domain}):
        services.domain_verify_dns(domain=domain, actor=request.user)
    return redirect("identity:domain_detail", pk=domain.pk)


@login_required
@require_POST
def domain_remove(request, pk: int):
    domain = selectors.domain_get(user=request.user, pk=pk)
    services.domain_remove(domain=domain, actor=request.user)
    messages.success(request, _("The domain %(domain)s was removed.") % {"domain": domain.domain})
    return redirect("identity:index")


@login_required
def sso_edit(request, pk: int):
    organization = administered_organization_or_404(request.user, pk)
    provider = selectors.sso_of(organization=organization)
    initial = (
        {
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "enabled": provider.enabled,
            "require_sso": provider.require_sso,
        }
        if provider
        else {"enabled": True}
    )
    form = SSOForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sso_save(organization=organization, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Single sign-on settings saved."))
            return redirect("identity:index")
    callback = request.build_absolute_uri(
        reverse("openid_connect_callback", kwargs={"provider_id": f"org{organization.pk}"})
    )
    return render(
        request,
        "identity/sso.html",
        {"organization": organization, "provider": provider, "form": form, "callback_url": callback},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def sso_remove(request, pk: int):
    organization = administered_organization_or_404(request.user, pk)
    services.sso_remove(organization=organization, actor=request.user)
    messages.success(request, _("Single sign-on was removed."))
    return redirect("identity:index")
