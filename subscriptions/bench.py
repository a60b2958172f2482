"""seed_bench hook: a subscription pool of ctx.count("pool_seats") (1,200) seats on the pool licensing ID,
and `bulk_assign(anchors)`, which bench/bench.py times: one `seats_bulk_assign` of the 1,000 bench assignees
(SUB-2, SUB-3), whose query count must not depend on the number of rows (at most BULK_QUERY_BUDGET)."""

from __future__ import annotations

import time

from subscriptions.models import Product, SubscriptionPool

BULK_QUERY_BUDGET = 12


def seed(ctx) -> None:
    pool = SubscriptionPool.objects.create(
        licensing_id=ctx.data["pool_licensing_id"],
        product=Product.VS_ENTERPRISE,
        quantity=ctx.count("pool_seats"),
    )
    ctx.anchors.update(bench_pool=pool.pk)
    ctx.log(f"  subscription pool: {pool.quantity} seats on {ctx.data['pool_licensing_id'].number}")


def bulk_assign(anchors) -> dict:
    """Assign a seat to each bench assignee in one call; returns what was timed (the service call only)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from licensing_portal.core.models import User
    from subscriptions import services

    pool = SubscriptionPool.objects.get(pk=anchors["bench_pool"])
    actor = User.objects.get(email=anchors["pool_manager"])
    rows = [
        services.BulkRow(line=i + 2, email=email, first_name="Bench", last_name=f"Assignee {i}")
        for i, email in enumerate(anchors["bulk_assignees"])
    ]
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        seats = services.seats_bulk_assign(pool=pool, rows=rows, actor=actor, obligation_confirmed=True)
        seconds = time.perf_counter() - started
    return {
        "assigned": len(seats),
        "rows": len(rows),
        "seconds": round(seconds, 3),
        "queries": len(queries),
        "query_budget": BULK_QUERY_BUDGET,
    }
