"""The organisation administrator's SCIM page (IDN-3): where to point the directory, its groups, and which group
gives a seat of a pool or roles on a licensing ID. Only the organisation's own administrators reach it (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.errors import ApplicationError
from licensing_portal.scim import selectors, services
from licensing_portal.scim.forms import MappingForm
from licensing_portal.tenancy import administered_organization_or_404, administered_organizations


@login_required
def index(request):
    return render(request, "scim/index.html", {"organizations": administered_organizations(request.user)})


def _form(request, organization, data=None) -> MappingForm:
    targets = []
    role_choices = []
    for kind, target in services.mapping_targets().items():
        label = str(target.label)
        targets += [
            (f"{kind}:{pk}", f"{label} — {text}")
            for pk, text in target.choices(organization=organization, actor=request.user)
        ]
        if target.takes_roles:
            role_choices = target.role_choices
    return MappingForm(
        data, groups=selectors.group_choices(organization=organization), targets=targets, role_choices=role_choices
    )


def _render(request, organization, form, status=200):
    mappings = selectors.mappings_of(organization=organization)
    targets = services.mapping_targets()
    labels = {
        kind: target.labels(organization=organization, target_ids={m.target_id for m in mappings if m.kind == kind})
        for kind, target in targets.items()
    }
    roles = dict(next((t.role_choices for t in targets.values() if t.takes_roles), []))
    rows = [
        {
            "mapping": m,
            "gives": str(targets[m.kind].label) if m.kind in targets else m.kind,
            "target": labels.get(m.kind, {}).get(m.target_id, "—"),
            "roles": [str(roles.get(r, r)) for r in m.roles],
        }
        for m in mappings
    ]
    context = {
        "organization": organization,
        "form": form,
        "rows": rows,
        "groups": selectors.group_summaries(organization=organization),
        "counts": selectors.user_counts(organization=organization),
        "scim_url": request.build_absolute_uri(reverse("scim:root")),
    }
    return render(request, "scim/organization.html", context, status=status)


@login_required
def organization_page(request, pk: int):
    organization = administered_organization_or_404(request.user, pk)
    if request.method != "POST":
        return _render(request, organization, _form(request, organization))
    form = _form(request, organization, request.POST)
    if form.is_valid():
        kind, target_id = form.cleaned_data["target"]
        try:
            services.mapping_add(
                organization=organization,
                group_pk=form.cleaned_data["group"],
                kind=kind,
                target_id=target_id,
                roles=form.cleaned_data["roles"],
                actor=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The group now gives that to its members."))
            return redirect("scim:organization", pk=organization.pk)
    return _render(request, organization, form, status=400)


@login_required
@require_POST
def mapping_remove(request, pk: int, mapping_pk: int):
    organization = administered_organization_or_404(request.user, pk)
    mapping = selectors.mapping_get(organization=organization, pk=mapping_pk)
    if mapping is None:  # removed already (a second click): nothing left to do
        messages.info(request, _("This mapping was already removed."))
        return redirect("scim:organization", pk=organization.pk)
    services.mapping_remove(mapping=mapping, actor=request.user)
    messages.success(request, _("Mapping removed: what the group gave its members was taken back."))
    return redirect("scim:organization", pk=organization.pk)
