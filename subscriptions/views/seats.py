"""Seats (SUB-1..4): assign, edit, resend, reassign, remove one or many."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from licensing_portal import converters
from licensing_portal.feedback import form_service, reported
from subscriptions import selectors, services
from subscriptions.forms import (
    SeatAssignForm,
    SeatEditForm,
    SeatReassignForm,
)


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
        ok, seat = form_service(
            form,
            services.seat_assign,
            pool=pool,
            actor=request.user,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            obligation_confirmed=data["confirm_obligation"],
        )
        if ok:
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
        ok, _result = form_service(form, services.seat_update, seat=seat, actor=request.user, **form.cleaned_data)
        if ok:
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
        ok, _result = form_service(
            form,
            services.seat_reassign,
            seat=seat,
            actor=request.user,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            obligation_confirmed=data["confirm_obligation"],
        )
        if ok:
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
