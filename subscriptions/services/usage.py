"""Pool usage (SUB-5): low-seat and over-allocation notices once per crossing, daily usage snapshots."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from licensing_portal import audit
from licensing_portal.links import portal_url
from notifications.services import email_queue_many
from subscriptions import selectors
from subscriptions.models import (
    PoolUsageSnapshot,
    Seat,
    SubscriptionPool,
)

from .common import _product_label


def _low_seats_check(*, pool: SubscriptionPool, assigned: int, actor=None) -> None:
    """Email the licence's managers once when free seats fall to the threshold; re-arm above it."""
    free = pool.quantity - assigned
    _notice_once_per_crossing(
        pool=pool,
        crossed=free <= pool.low_seats_threshold,
        flag="low_seats_alerted",
        template="subscriptions/emails/low_seats",
        verb="subscription.low_seats_alert",
        context={
            "quantity": pool.quantity,
            "assigned": assigned,
            "free": max(free, 0),
            "threshold": pool.low_seats_threshold,
            "pool_url": portal_url("subscriptions:pool_detail", pool.pk),
        },
        after={"pool": pool.pk, "free": free, "threshold": pool.low_seats_threshold},
        actor=actor,
    )
    _over_allocation_check(pool=pool, assigned=assigned, actor=actor)  # every count change passes here


def _over_allocation_check(*, pool: SubscriptionPool, assigned: int, actor=None) -> None:
    """SUB-8: email the pool's Administrators and Subscriptions Managers once when the seats assigned beyond
    the purchased quantity reach the pool's threshold (0: never); re-arm when usage falls back below it."""
    beyond = assigned - pool.quantity
    _notice_once_per_crossing(
        pool=pool,
        crossed=pool.over_allocation_threshold > 0 and beyond >= pool.over_allocation_threshold,
        flag="over_allocation_alerted",
        template="subscriptions/emails/over_allocation",
        verb="subscription.over_allocation_notice",
        context={
            "quantity": pool.quantity,
            "assigned": assigned,
            "beyond": beyond,
            "threshold": pool.over_allocation_threshold,
            "usage_url": portal_url("subscriptions:pool_usage", pool.pk),
        },
        after={"pool": pool.pk, "beyond": beyond, "threshold": pool.over_allocation_threshold},
        actor=actor,
    )


def _notice_once_per_crossing(
    *, pool: SubscriptionPool, crossed: bool, flag: str, template: str, verb: str, context: dict, after: dict, actor
) -> None:
    """A pool notice (low seats; SUB-8 over-allocation) goes once to the licence's Administrators and
    Subscriptions Managers, each in their language, when `crossed` turns true; `flag` re-arms it once it is false."""
    if crossed == getattr(pool, flag):
        return
    setattr(pool, flag, crossed)
    pool.save(update_fields=[flag])
    if not crossed:
        return
    recipients = selectors.subscription_managers_of(licensing_id=pool.licensing_id)
    email_queue_many(
        template=template,
        messages=[
            (
                email,
                language,
                {
                    "product": _product_label(pool.product, language),
                    "licensing_id": pool.licensing_id.number,
                    **context,
                },
            )
            for email, language in recipients
        ],
    )
    audit.record(
        actor=actor, verb=verb, licensing_id=pool.licensing_id, after=after, detail=f"recipients={len(recipients)}"
    )


def _unflag_if_within_quantity(*, pool: SubscriptionPool, assigned: int) -> None:
    if assigned <= pool.quantity:
        pool.seats.filter(status=Seat.Status.ACTIVE, over_assigned=True).update(over_assigned=False)


SNAPSHOT_BATCH = 5000  # rows per INSERT: 4 parameters a row stays far below PostgreSQL's 65,535


def pool_usage_snapshot_all(*, day=None) -> int:
    """SUB-8: record today's assigned and purchased counts of every pool, in a constant number of queries
    (one aggregate read, one upsert per SNAPSHOT_BATCH pools). Running it twice a day keeps the later counts."""
    day = day or timezone.localdate()
    counts = (
        SubscriptionPool.objects.order_by()
        .annotate(active=Count("seats", filter=Q(seats__status=Seat.Status.ACTIVE)))
        .values_list("pk", "quantity", "active")
    )
    rows = [
        PoolUsageSnapshot(pool_id=pk, day=day, assigned=active, quantity=quantity) for pk, quantity, active in counts
    ]
    PoolUsageSnapshot.objects.bulk_create(
        rows,
        batch_size=SNAPSHOT_BATCH,
        update_conflicts=True,
        unique_fields=["pool", "day"],
        update_fields=["assigned", "quantity"],
    )
    return len(rows)
