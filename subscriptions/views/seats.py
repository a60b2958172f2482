from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from licensing_portal import converters
from licensing_portal.errors import ApplicationError
from licensing_portal.export import csv_response, xlsx_response
from licensing_portal.feedback import reported
from partners import selectors as partner_selectors
from subscriptions import selectors, services
from subscriptions.forms import (
    BulkEditApplyForm,
    BulkEditForm,
    BulkUploadForm,
    ContactAdminForm,
    ContactRoleForm,
    PersonChoiceForm,
    PoolSettingsForm,
    SeatAssignForm,
    SeatEditForm,
    SeatReassignForm,
    SubscriberFilterForm,
)
from subscriptions.models import Seat

PAGE_SIZE = 50


@login_required
def index(request):
    """Landing page: the pools the user may manage, partner memberships they administer, and My benefits."""
    pools = list(selectors.pool_list(user=request.user))
    memberships = list(selectors.membership_list(user=request.user))
    # RES-4c: someone with nothing to manage here who works for no partner is offered OLP Partners registration.
    unrecognised = not pools and not memberships and not partner_selectors.partner_memberships(user=request.user)
    return render(
        request,
        "subscriptions/index.html",
        {"pools": pools, "memberships": memberships, "unrecognised": unrecognised},
    )


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
        try:
            services.seat_contact_admins(seat=seat, sender=request.user, message=form.cleaned_data["message"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your message was sent to the administrators of this subscription."))
            return redirect("subscriptions:my_benefits")
    return _form_page(request, "subscriptions/contact_admin.html", context, form, status=400)


@login_required
def pool_detail(request, pk: int):
    pool = selectors.pool_get(user=request.user, pk=pk)
    seats = selectors.seat_list(
        user=request.user, pool_id=pool.pk, q=request.GET.get("q", "").strip()[:100], state=True
    )
    page = Paginator(seats, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "subscriptions/pool_detail.html",
        {
            "pool": pool,
            "page": page,
            "q": request.GET.get("q", ""),
            "uploads": selectors.bulk_upload_list(user=request.user, pool=pool),
            "settings_form": PoolSettingsForm(
                initial={
                    "low_seats_threshold": pool.low_seats_threshold,
                    "over_allocation_threshold": pool.over_allocation_threshold,
                }
            ),
        },
    )


@login_required
def pool_usage(request, pk: int):
    """SUB-8 Maximum usage: the peaks of the last 12 months and of the agreement term, with their dates."""
    pool = selectors.pool_get(user=request.user, pk=pk)
    usage = selectors.pool_usage(pool=pool, today=timezone.localdate())
    return render(request, "subscriptions/pool_usage.html", {"pool": pool, "usage": usage})


@login_required
def pool_usage_export(request, pk: int):
    """SUB-8: the daily snapshots behind the peaks, from the earlier of 12 months ago and the term start."""
    pool = selectors.pool_get(user=request.user, pk=pk)
    usage = selectors.pool_usage(pool=pool, today=timezone.localdate())
    since = min(d for d in (usage.year_start, usage.term_start) if d)
    rows = (
        [
            pool.licensing_id.number,
            pool.get_product_display(),
            snapshot.day.isoformat(),
            snapshot.assigned,
            snapshot.quantity,
        ]
        for snapshot in selectors.pool_usage_snapshots(pool=pool, since=since).iterator(chunk_size=1000)
    )
    return csv_response(
        header=[_("Licensing ID"), _("Product"), _("Day"), _("Assigned"), _("Purchased")],
        rows=rows,
        filename=f"maximum-usage-{pool.pk}",
    )


@login_required
@require_POST
def pool_settings(request, pk: int):
    pool = selectors.pool_get(user=request.user, pk=pk)
    form = PoolSettingsForm(request.POST)
    if form.is_valid():
        with reported(request, _("The alert threshold was saved.")):
            services.pool_update(pool=pool, actor=request.user, **form.cleaned_data)
    else:
        messages.error(request, _("Enter a whole number of seats, 0 or more."))
    return redirect("subscriptions:pool_detail", pk=pool.pk)


def _form_page(request, template, context, form, status=200):
    return render(request, template, {**context, "form": form}, status=status)


@login_required
def seat_assign(request, pk: int):
    pool = selectors.pool_get(user=request.user, pk=pk)
    context = {"pool": pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/seat_assign.html", context, SeatAssignForm())
    form = SeatAssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            seat = services.seat_assign(
                pool=pool,
                actor=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                obligation_confirmed=data["confirm_obligation"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if seat.over_assigned:
                messages.warning(
                    request,
                    _("%(email)s was assigned beyond the purchased quantity; the seat is flagged.")
                    % {"email": seat.email},
                )
            else:
                messages.success(
                    request, _("%(email)s was assigned a subscription and emailed.") % {"email": seat.email}
                )
            return redirect("subscriptions:pool_detail", pk=pool.pk)
    return _form_page(request, "subscriptions/seat_assign.html", context, form, status=400)


@login_required
def seat_edit(request, pk: int):
    seat = selectors.seat_get(user=request.user, pk=pk)
    context = {"seat": seat, "pool": seat.pool}
    if request.method != "POST":
        return _form_page(
            request,
            "subscriptions/seat_edit.html",
            context,
            SeatEditForm(initial={name: getattr(seat, name) for name in services.SEAT_FIELDS}),
        )
    form = SeatEditForm(request.POST)
    if form.is_valid():
        try:
            services.seat_update(seat=seat, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The subscriber was updated."))
            return redirect("subscriptions:pool_detail", pk=seat.pool_id)
    return _form_page(request, "subscriptions/seat_edit.html", context, form, status=400)


@login_required
@require_POST
def seat_resend(request, pk: int):
    """SUB-10: send the assignment email again (a row button of the pool page)."""
    seat = selectors.seat_get(user=request.user, pk=pk)
    with reported(request, _("The assignment email was sent again to %(email)s.") % {"email": seat.mail_to}):
        services.seat_resend(seat=seat, actor=request.user)
    return redirect("subscriptions:pool_detail", pk=seat.pool_id)


@login_required
def seat_reassign(request, pk: int):
    seat = selectors.seat_get(user=request.user, pk=pk)
    context = {"seat": seat, "pool": seat.pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/seat_reassign.html", context, SeatReassignForm())
    form = SeatReassignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.seat_reassign(
                seat=seat,
                actor=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                obligation_confirmed=data["confirm_obligation"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The subscription was reassigned to %(email)s.") % {"email": data["email"]})
            return redirect("subscriptions:pool_detail", pk=seat.pool_id)
    return _form_page(request, "subscriptions/seat_reassign.html", context, form, status=400)


@login_required
def seat_remove(request, pk: int):
    seat = selectors.seat_get(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "subscriptions/seat_remove.html", {"seat": seat, "pool": seat.pool})
    with reported(request, _("The subscription of %(email)s was removed.") % {"email": seat.email}):
        services.seat_remove(seat=seat, actor=request.user)
    return redirect("subscriptions:pool_detail", pk=seat.pool_id)


def _selected_ids(values) -> list[int] | None:
    """Seat ids posted or queried (SUB-7), bounded like URL ids (SEC-9); None when any of them is not an id."""
    ids = [converters.parse_pk(value) for value in values[: services.MAX_SEATS_REMOVED + 1]]
    return None if None in ids else sorted(set(ids))


@login_required
def seats_remove(request, pk: int):
    """SUB-7: the seats ticked on the pool page, listed for one confirmation; POST removes all of them or none.
    A seat that is not an active seat of this pool the user manages answers 404, like a foreign pool."""
    pool = selectors.pool_get(user=request.user, pk=pk)
    ids = _selected_ids(request.POST.getlist("seat") if request.method == "POST" else request.GET.getlist("seat"))
    if ids is None:
        raise Http404
    if not ids:
        messages.error(request, _("Select at least one subscription to remove."))
        return redirect("subscriptions:pool_detail", pk=pool.pk)
    if len(ids) > services.MAX_SEATS_REMOVED:
        messages.error(
            request, _("Select at most %(max)s subscriptions at a time.") % {"max": services.MAX_SEATS_REMOVED}
        )
        return redirect("subscriptions:pool_detail", pk=pool.pk)
    seats = selectors.seats_selected(user=request.user, pool=pool, ids=ids)
    if len(seats) != len(ids):
        raise Http404
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "subscriptions/seats_remove.html", {"pool": pool, "seats": seats})
    count = len(seats)
    success = ngettext(
        "%(count)s subscription was removed; its subscriber was emailed.",
        "%(count)s subscriptions were removed; each subscriber was emailed.",
        count,
    ) % {"count": count}
    with reported(request, success):
        services.seats_remove(pool=pool, seat_ids=ids, actor=request.user)
    return redirect("subscriptions:pool_detail", pk=pool.pk)


@login_required
def bulk_upload(request, pk: int):
    pool = selectors.pool_get(user=request.user, pk=pk)
    context = {"pool": pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/bulk_upload.html", context, BulkUploadForm())
    form = BulkUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            upload = services.bulk_upload_create(
                pool=pool,
                actor=request.user,
                file_name=upload_file.name,
                content=upload_file.read(),
                obligation_confirmed=form.cleaned_data["confirm_obligation"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("subscriptions:bulk_status", pk=upload.pk)
    return _form_page(request, "subscriptions/bulk_upload.html", context, form, status=400)


@login_required
def bulk_status(request, pk: int):
    upload = selectors.bulk_upload_get(user=request.user, pk=pk)
    return render(request, "subscriptions/bulk_status.html", {"upload": upload, "pool": upload.pool})


@login_required
def bulk_template(request, file_format: str):
    content, content_type = services.bulk_template(file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="subscribers-template.{file_format}"'
    return response


def _subscriber_filters(request):
    pools = list(selectors.pool_list(user=request.user))
    form = SubscriberFilterForm(request.GET or None, pools=pools)
    filters = {"q": "", "pool_id": None, "status": Seat.Status.ACTIVE}
    if form.is_bound and form.is_valid():
        filters = {
            "q": form.cleaned_data["q"].strip(),
            "pool_id": form.cleaned_data["pool"],
            "status": form.cleaned_data["status"] or None,
        }
    return form, pools, filters


@login_required
def subscribers(request):
    """SUB-5: search and filter subscribers across every pool the user manages."""
    form, pools, filters = _subscriber_filters(request)
    page = Paginator(selectors.seat_list(user=request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "subscriptions/subscribers.html",
        {"form": form, "page": page, "pools": pools, "query": query.urlencode()},
    )


def _export_table(request):
    _form, _pools, filters = _subscriber_filters(request)
    seats = selectors.seat_list(user=request.user, **filters)
    rows = (services.bulk_edit_export_row(seat) for seat in seats.iterator(chunk_size=1000))
    return services.bulk_edit_export_header(), rows


@login_required
def subscribers_export(request):
    """SUB-5: the filtered list as CSV, streamed row by row so a large export never sits in memory. Its columns
    are the upload template's, with each seat's id and a remove column, so it can be edited and uploaded again
    (SUB-6)."""
    header, rows = _export_table(request)
    return csv_response(header=header, rows=rows, filename="subscribers")


@login_required
def subscribers_export_xlsx(request):
    """SUB-6: the same export as a workbook."""
    header, rows = _export_table(request)
    return xlsx_response(header=header, rows=rows, filename="subscribers")


@login_required
def bulk_edit(request, pk: int):
    """SUB-6: upload an edited export of this pool; the next page previews the changes before anything moves."""
    pool = selectors.pool_get(user=request.user, pk=pk)
    context = {"pool": pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/bulk_edit.html", context, BulkEditForm())
    form = BulkEditForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            edit = services.bulk_edit_preview(
                pool=pool, actor=request.user, file_name=upload_file.name, content=upload_file.read()
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("subscriptions:bulk_edit_detail", pk=edit.pk)
    return _form_page(request, "subscriptions/bulk_edit.html", context, form, status=400)


@login_required
def bulk_edit_detail(request, pk: int):
    """SUB-6: GET shows the preview (added, changed before → after, removed) or the file's problems; POST
    applies every change or none."""
    edit = selectors.bulk_edit_get(user=request.user, pk=pk)
    context = {"edit": edit, "pool": edit.pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/bulk_edit_preview.html", context, BulkEditApplyForm())
    form = BulkEditApplyForm(request.POST)
    if form.is_valid():
        try:
            services.bulk_edit_apply(
                edit=edit, actor=request.user, obligation_confirmed=form.cleaned_data["confirm_obligation"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The changes were applied: %(added)s added, %(changed)s changed, %(removed)s removed.")
                % {"added": len(edit.added), "changed": len(edit.changed), "removed": len(edit.removed)},
            )
            return redirect("subscriptions:pool_detail", pk=edit.pool_id)
    return _form_page(request, "subscriptions/bulk_edit_preview.html", context, form, status=400)


@login_required
def report(request):
    """Seat usage of every pool the user may see, in one query."""
    pools = list(selectors.pool_list(user=request.user))
    totals = {
        "quantity": sum(p.quantity for p in pools),
        "assigned": sum(p.assigned for p in pools),
        "flagged": sum(p.flagged for p in pools),
    }
    return render(request, "subscriptions/report.html", {"pools": pools, "totals": totals})


# ---- partner membership (MPN) ----


@login_required
def mpn_requirements(request, pk: int):
    """Requirements & Assets: the partner's people and their contact roles (MPN-2)."""
    membership = selectors.membership_get(user=request.user, pk=pk)
    people = selectors.membership_people(membership=membership)
    form = ContactRoleForm(request.POST or None, people=people)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.partner_contact_role_assign(
                    membership=membership,
                    member=form.cleaned_data["member"],
                    role=form.cleaned_data["role"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
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
            try:
                services.partner_subscription_assign(membership=membership, member=member, actor=request.user)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
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
