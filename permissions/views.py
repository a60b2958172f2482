"""Thin views: scope through selectors (404 outside), shape through forms, rules in services."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.addresses import normalize_email
from licensing_portal.errors import ApplicationError
from licensing_portal.export import csv_response, jsonl_response
from licensing_portal.feedback import form_service, reported
from licensing_portal.links import redirect_back
from licensing_portal.paging import page_number
from permissions import access, selectors, services, tables
from permissions.forms import (
    AuditFilterForm,
    DecisionForm,
    PermissionRequestForm,
    PersonAddForm,
    PersonApplyForm,
    PersonEmailForm,
    PersonRolesForm,
    WelcomeResendForm,
)
from permissions.models import Role

PAGE_SIZE = 25


def _page(request, items, per_page=PAGE_SIZE):
    return Paginator(items, per_page).get_page(page_number(request))


# --- My Permissions (PERM-3, PERM-8, PERM-9) --------------------------------------------------------------


@login_required
def my_permissions(request):
    include_inactive = request.GET.get("status") == "all"
    context = {"include_inactive": include_inactive, "verified": bool(request.user.verified_business_email)}
    if context["verified"]:
        number = page_number(request)
        context.update(
            access_version=access.viewer_stamp(request.user),  # its namespaces and next grant end (issue 13)
            page_number=number,
            # Read only when the table fragment is not cached under this access version (issue 7).
            listing=SimpleLazyObject(
                lambda: selectors.my_permissions_page(
                    user=request.user, include_inactive=include_inactive, number=number, per_page=PAGE_SIZE
                )
            ),
        )
        # Printed in that fragment, so rendered (Jinja2) only when it is not cached either (issue 13).
        context["table"] = SimpleLazyObject(lambda: tables.my_permissions_table(context["listing"].rows))
    return render(request, "permissions/index.html", context)


@login_required
@require_POST
def remove_self(request, pk: int):
    lid = selectors.licensing_id_for_holder(user=request.user, pk=pk)
    try:
        kept = services.licensing_id_remove_self(user=request.user, licensing_id=lid)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if kept:
            messages.success(
                request,
                _(
                    "Licensing ID %(number)s was removed from your permissions; you keep "
                    "Licensing Info as a contact of its parent agreement."
                )
                % {"number": lid.number},
            )
        else:
            messages.success(
                request,
                _("Licensing ID %(number)s was removed from your permissions. To get it back, use Request Permissions.")
                % {"number": lid.number},
            )
    return redirect_back(request, "permissions:index")


@login_required
@require_POST
def opt_out(request, pk: int):
    lid = selectors.licensing_id_inheritable(user=request.user, pk=pk)
    with reported(
        request, _("You no longer administer %(number)s through its parent agreement.") % {"number": lid.number}
    ):
        services.inheritance_opt_out(user=request.user, licensing_id=lid)
    return redirect_back(request, "permissions:index")


@login_required
@require_POST
def opt_in(request, pk: int):
    lid = selectors.licensing_id_inheritable(user=request.user, pk=pk)
    with reported(request, _("You administer %(number)s again through its parent agreement.") % {"number": lid.number}):
        services.inheritance_opt_in(user=request.user, licensing_id=lid)
    return redirect_back(request, "permissions:index")


# --- Request Permissions (PERM-4..6) ----------------------------------------------------------------------


@login_required
def request_permissions(request):
    form = PermissionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, pr = form_service(
            form,
            services.permission_request_submit,
            requester=request.user,
            program=data["program"],
            number=data["number"],
            roles=data["roles"],
            sa_benefits=data["sa_benefits"],
            comment=data["comment"],
        )
        if ok:
            # One page for every outcome, with nothing from the licensing ID; the outcome goes by email (SEC-12).
            return render(request, "permissions/request_submitted.html", {"number": pr.number})
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "permissions/request_form.html",
        {"form": form, "sa_role": Role.SA_MANAGER.value},
        status=status,
    )


@login_required
def requests_inbox(request):
    page = _page(request, selectors.permission_requests_pending(user=request.user))
    return render(request, "permissions/requests_inbox.html", {"page": page})


@login_required
def request_detail(request, pk: int):
    pr = selectors.permission_request_get(user=request.user, pk=pk)
    return render(request, "permissions/request_detail.html", {"pr": pr})


@login_required
@require_POST
def request_decide(request, pk: int):
    pr = selectors.permission_request_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or deny."))
        return redirect(pr)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.permission_request_decide(permission_request=pr, actor=request.user, approve=approve)
    except ApplicationError as exc:
        messages.info(request, exc.message)
        return redirect(pr)
    messages.success(
        request,
        (_("Request approved: the roles take effect at once.") if approve else _("Request denied."))
        + " "
        + _("The requester was emailed."),
    )
    return redirect_back(request, "permissions:requests_inbox")


# --- Manage Users (PERM-7) and audit log (PERM-11) --------------------------------------------------------


@login_required
def manage_users(request, pk: int):
    lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
    # The empty form's HTML is cached per language: build one only if that cache misses (issue 7).
    form = PersonAddForm(request.POST) if request.method == "POST" else SimpleLazyObject(PersonAddForm)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _result = form_service(
            form,
            services.person_roles_set,
            licensing_id=lid,
            email=data["email"],
            roles=data["roles"],
            sa_benefits=data["sa_benefits"],
            actor=request.user,
            adding=True,
        )
        if ok:
            messages.success(request, _("%(email)s was added and emailed a welcome.") % {"email": data["email"]})
            return redirect("permissions:manage_users", pk=lid.pk)
    number = page_number(request)
    listing = SimpleLazyObject(
        lambda: selectors.people_page(
            licensing_id=lid,
            number=number,
            viewer=request.user.verified_business_email,
        )
    )
    return render(
        request,
        "permissions/manage_users.html",
        {
            "lid": lid,
            # Read with the licensing ID, before the people: the namespaces of the licensing ID and its parent,
            # which grants, opt-outs, contacts and PERM-12 account states of its people bump (issue 13).
            "access_version": lid.access_version,
            "page_number": number,
            "listing": listing,
            # The cached fragment's content, so rendered (Jinja2) only when it is not cached (issue 13).
            "people": SimpleLazyObject(
                lambda: tables.people_listing(listing, licensing_id=lid, me=request.user.verified_business_email)
            ),
            "form": form,
            "form_bound": request.method == "POST",
            "me": request.user.verified_business_email,
            "sa_role": Role.SA_MANAGER.value,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def manage_user_edit(request, pk: int):
    lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
    email_form = PersonEmailForm(request.POST if request.method == "POST" else request.GET)
    if not email_form.is_valid():
        messages.error(request, _("Choose a person from the list."))
        return redirect("permissions:manage_users", pk=lid.pk)
    email = normalize_email(email_form.cleaned_data["email"])
    roles, benefits = selectors.person_roles(licensing_id=lid, email=email)
    if not roles:
        messages.error(request, _("This person holds no permissions of their own here."))
        return redirect("permissions:manage_users", pk=lid.pk)
    form = PersonRolesForm(
        request.POST if request.method == "POST" else None, initial={"roles": roles, "sa_benefits": benefits}
    )
    if request.method == "POST" and form.is_valid():
        ok, _result = form_service(
            form,
            services.person_roles_set,
            licensing_id=lid,
            email=email,
            roles=form.cleaned_data["roles"],
            sa_benefits=form.cleaned_data["sa_benefits"],
            actor=request.user,
        )
        if ok:
            messages.success(request, _("The roles of %(email)s were saved.") % {"email": email})
            return redirect("permissions:manage_users", pk=lid.pk)
    return render(
        request,
        "permissions/manage_user_edit.html",
        {"lid": lid, "email": email, "form": form, "sa_role": Role.SA_MANAGER.value},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def manage_user_remove(request, pk: int):
    lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
    form = PersonEmailForm(request.POST)
    if form.is_valid():
        with reported(request, _("%(email)s was removed and notified.") % {"email": form.cleaned_data["email"]}):
            services.person_remove(licensing_id=lid, email=form.cleaned_data["email"], actor=request.user)
    else:
        messages.error(request, _("Choose a person from the list."))
    return redirect("permissions:manage_users", pk=lid.pk)


@login_required
@require_POST
def manage_user_deny(request, pk: int):
    lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
    form = PersonEmailForm(request.POST)
    if form.is_valid():
        with reported(
            request,
            _("Access of %(email)s was denied and the partner notified.") % {"email": form.cleaned_data["email"]},
        ):
            services.partner_access_deny(
                licensing_id=lid,
                email=form.cleaned_data["email"],
                actor=request.user,
                via="manage_users",
                require_partner=True,
            )
    else:
        messages.error(request, _("Choose a person from the list."))
    return redirect("permissions:manage_users", pk=lid.pk)


@login_required
@require_POST
def manage_user_resend(request, pk: int):
    """PERM-12: the welcome email again, with a fresh single-use link."""
    lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
    form = WelcomeResendForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["welcome_to"]
        with reported(request, _("The welcome email was sent again to %(email)s.") % {"email": email}):
            services.welcome_resend(licensing_id=lid, email=email, actor=request.user)
    else:
        messages.error(request, _("Choose a person from the list."))
    return redirect("permissions:manage_users", pk=lid.pk)


def _person_url(email: str) -> str:
    return f"{reverse('permissions:person')}?{urlencode({'email': email})}"


@login_required
def person(request):
    """PERM-12: one person's roles on every licensing ID the viewer administers; one role set applied to the
    selected ones at once, each through the Manage Users service (all or none)."""
    lookup = PersonEmailForm(request.POST if request.method == "POST" else request.GET)
    if not lookup.is_valid():
        return render(request, "permissions/person.html", {"lookup": PersonEmailForm()})
    email = normalize_email(lookup.cleaned_data["email"])
    form = PersonApplyForm(request.POST if request.method == "POST" else None, initial={"email": email})
    if request.method == "POST" and form.is_valid():
        lids = selectors.licensing_ids_for_admin(user=request.user, pks=form.cleaned_data["licensing_ids"])
        ok, _result = form_service(
            form,
            services.person_roles_set_many,
            licensing_ids=lids,
            email=email,
            roles=form.cleaned_data["roles"],
            sa_benefits=form.cleaned_data["sa_benefits"],
            actor=request.user,
        )
        if ok:
            messages.success(
                request,
                _("The roles of %(email)s were saved on %(numbers)s.")
                % {"email": email, "numbers": ", ".join(lid.number for lid in lids)},
            )
            return HttpResponseRedirect(_person_url(email))
    selected = (
        set(form.cleaned_data.get("licensing_ids") or []) if form.is_bound and hasattr(form, "cleaned_data") else set()
    )
    return render(
        request,
        "permissions/person.html",
        {
            "lookup": lookup,
            "email": email,
            "rows": selectors.person_grid(user=request.user, email=email),
            "selected": selected,
            "form": form,
            "sa_role": Role.SA_MANAGER.value,
        },
        status=400 if request.method == "POST" else 200,
    )


def welcome(request, token: str):
    """PERM-12: the single-use link of a resent welcome email. GET asks; POST uses the link, then the person
    registers (or signs in) with that business email."""
    template = "permissions/welcome.html"
    try:
        event = services.welcome_use(token=token) if request.method == "POST" else services.welcome_check(token=token)
    except ApplicationError as exc:
        return render(request, template, {"error": exc.message}, status=400)
    if request.method != "POST":
        return render(request, template, {"token": token, "number": event.licensing_id.number})
    if request.user.is_authenticated:
        return redirect("permissions:index")
    return redirect("account_signup")


def _audit_filters(request) -> tuple[AuditFilterForm, dict | None]:
    """The filters of the query string (OPS-4); None when they are not valid (the form says why)."""
    form = AuditFilterForm(request.GET)
    return form, (form.cleaned_data if form.is_valid() else None)


def _audit_page(request, form, events, lid=None, status: int = 200):
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "permissions/audit_log.html",
        {
            "lid": lid,
            "form": form,
            "page": _page(request, events, per_page=50) if events is not None else None,
            "extra_query": query.urlencode(),
        },
        status=status,
    )


@login_required
def audit_log(request, pk: int):
    lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
    form, filters = _audit_filters(request)
    if filters is None:
        return _audit_page(request, form, None, lid=lid, status=400)
    return _audit_page(request, form, selectors.audit_events(licensing_id=lid, filters=filters), lid=lid)


@login_required
def audit_log_all(request):
    """OPS-4: the events of every licensing ID the user administers, with the same filters and exports."""
    form, filters = _audit_filters(request)
    if filters is None:
        return _audit_page(request, form, None, status=400)
    return _audit_page(request, form, selectors.audit_events_administered(user=request.user, filters=filters))


def _audit_export(events, fmt: str, filename: str):
    rows = selectors.audit_export_rows(events)
    if fmt == "jsonl":
        return jsonl_response(
            rows=(
                {
                    "time": row["created_at"],
                    "licensing_id": row["licensing_id__number"],
                    "actor": row["actor_email"],
                    "event": row["verb"],
                    "person": row["target_email"],
                    "before": row["before"],
                    "after": row["after"],
                    "detail": row["detail"],
                }
                for row in rows
            ),
            filename=filename,
        )
    return csv_response(
        header=[
            _("Time (UTC)"),
            _("Licensing ID"),
            _("Actor"),
            _("Event"),
            _("Person"),
            _("Before"),
            _("After"),
            _("Detail"),
        ],
        rows=(
            [
                row["created_at"].isoformat(timespec="seconds"),
                row["licensing_id__number"],
                row["actor_email"],
                row["verb"],
                row["target_email"],
                json.dumps(row["before"], sort_keys=True, ensure_ascii=False) if row["before"] else "",
                json.dumps(row["after"], sort_keys=True, ensure_ascii=False) if row["after"] else "",
                row["detail"],
            ]
            for row in rows
        ),
        filename=filename,
    )


@login_required
def audit_export(request, pk: int, fmt: str):
    """OPS-4: the filtered audit log of one licensing ID, streamed as CSV (formula-safe) or JSON lines."""
    lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
    form, filters = _audit_filters(request)
    if filters is None:
        return _audit_page(request, form, None, lid=lid, status=400)
    return _audit_export(selectors.audit_events(licensing_id=lid, filters=filters), fmt, f"audit-{lid.number}")


@login_required
def audit_export_all(request, fmt: str):
    """OPS-4: the same export across every licensing ID the user administers."""
    form, filters = _audit_filters(request)
    if filters is None:
        return _audit_page(request, form, None, status=400)
    return _audit_export(selectors.audit_events_administered(user=request.user, filters=filters), fmt, "audit")
