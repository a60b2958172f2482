"""Subscription pools (SUB-1..3, SUB-5): the pool list, a pool's page, usage and settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.export import csv_response
from licensing_portal.feedback import reported
from partners import selectors as partner_selectors
from subscriptions import selectors, services
from subscriptions.forms import (
    PoolSettingsForm,
)

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
