"""Subscribers across pools: the filtered list, its CSV/XLSX export, the report."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from licensing_portal.export import csv_response, xlsx_response
from subscriptions import selectors, services
from subscriptions.forms import (
    SubscriberFilterForm,
)
from subscriptions.models import Seat

from .pools import PAGE_SIZE


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
def report(request):
    """Seat usage of every pool the user may see, in one query."""
    pools = list(selectors.pool_list(user=request.user))
    totals = {
        "quantity": sum(p.quantity for p in pools),
        "assigned": sum(p.assigned for p in pools),
        "flagged": sum(p.flagged for p in pools),
    }
    return render(request, "subscriptions/report.html", {"pools": pools, "totals": totals})
