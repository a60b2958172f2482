"""API token pages (API-2): personal tokens under the profile, service tokens for organisation administrators.
A new token's secret is shown once, on the page the POST that made it redirects to (POST/redirect/GET through
licensing_portal.shown_once), and never again (nor to staff): a reload shows nothing and creates nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensing_portal import shown_once
from licensing_portal.api import selectors, services
from licensing_portal.api.forms import ApiTokenForm
from licensing_portal.errors import ApplicationError
from licensing_portal.feedback import reported
from licensing_portal.tenancy import administered_organization_or_404, administered_organizations


def _page(request, *, form, tokens, organization=None, raw=None, status=200):
    context = {
        "form": form,
        "tokens": tokens,
        "organization": organization,
        "raw": raw,
        "organizations": administered_organizations(request.user) if organization is None else (),
    }
    return render(request, "api/tokens.html", context, status=status)


def _create(request, *, organization, tokens):
    place = f"api_token:{organization.pk if organization else 'personal'}"
    form = ApiTokenForm(request.POST or None)
    if request.method != "POST":
        raw = shown_once.pop(request, place=place) if request.method == "GET" else None
        return _page(request, form=form, tokens=tokens(), organization=organization, raw=raw)
    if form.is_valid():
        try:
            _token, raw = services.api_token_create(
                creator=request.user,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at,
                organization=organization,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            shown_once.keep(request, place=place, secret=raw)
            return redirect(request.path)
    return _page(request, form=form, tokens=tokens(), organization=organization, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def personal(request):
    return _create(request, organization=None, tokens=lambda: selectors.personal_tokens(user=request.user))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization(request, pk: int):
    org = administered_organization_or_404(request.user, pk)
    return _create(request, organization=org, tokens=lambda: selectors.service_tokens(organization=org))


@login_required
@require_POST
def revoke(request, pk: int):
    token = selectors.token_for_revoke(user=request.user, pk=pk)
    with reported(request, _("The token %(prefix)s was revoked.") % {"prefix": token.prefix}):
        services.api_token_revoke(token=token, actor=request.user)
    if token.organization_id:
        return redirect("api_tokens:organization", token.organization_id)
    return redirect("api_tokens:personal")
