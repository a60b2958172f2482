"""Pools (SUB-1..3, SUB-8): the pool lock every assignment takes, over-assignment refusal, pool settings.

Every change that moves the assigned count locks the pool row first and counts active seats under that lock,
so two managers assigning the last seat at once cannot both succeed."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import Program
from licensing_portal import audit
from licensing_portal.errors import ApplicationError
from permissions import policies
from subscriptions.models import (
    Seat,
    SubscriptionPool,
)

from .usage import _low_seats_check


def _require_obligation(confirmed: bool) -> None:
    if not confirmed:
        raise ApplicationError(_("Confirm that you understand the obligation to purchase takes effect at assignment."))


def _require_manager(actor, pool: SubscriptionPool) -> None:
    if not policies.can_manage_subscriptions(actor, pool.licensing_id):
        raise ApplicationError(_("You cannot manage subscriptions on this licensing ID."))


def _lock_pool(pool: SubscriptionPool) -> tuple[SubscriptionPool, int]:
    """Lock the pool row and return it with its active seat count, read under the lock."""
    locked = (
        SubscriptionPool.objects.select_for_update(of=("self",))
        .select_related("licensing_id", "licensing_id__organization")
        .get(pk=pool.pk)
    )
    return locked, locked.seats.filter(status=Seat.Status.ACTIVE).count()


def _refuses_over_assignment(pool: SubscriptionPool) -> bool:
    """SUB-3 per pool setting; SUB-8: an Open License pool always refuses, whatever its setting says."""
    return (
        pool.over_assignment == SubscriptionPool.OverAssignment.REFUSE
        or pool.licensing_id.program == Program.OPEN_LICENSE
    )


def _over_message(pool: SubscriptionPool, assigned: int, wanted: int) -> str:
    free = max(pool.quantity - assigned, 0)
    if pool.licensing_id.program == Program.OPEN_LICENSE:
        return _(
            "This Open License pool has %(quantity)s subscriptions and %(free)s free; %(wanted)s more cannot be "
            "assigned. Open License subscriptions are never assigned beyond the purchased quantity: buy more "
            "or remove assignments first."
        ) % {"quantity": pool.quantity, "free": free, "wanted": wanted}
    return _(
        "This pool has %(quantity)s subscriptions and %(free)s free; %(wanted)s more cannot be assigned. "
        "Buy more subscriptions or remove assignments first."
    ) % {"quantity": pool.quantity, "free": free, "wanted": wanted}


@transaction.atomic
def pool_update(
    *, pool: SubscriptionPool, actor, low_seats_threshold: int, over_allocation_threshold: int | None = None
) -> SubscriptionPool:
    """A manager sets the low free seats threshold and the over-allocation threshold (SUB-8, None: unchanged);
    crossing one at once alerts (or re-arms) immediately."""
    pool, assigned = _lock_pool(pool)
    _require_manager(actor, pool)
    fields = ["low_seats_threshold"]
    if over_allocation_threshold is not None:
        fields.append("over_allocation_threshold")
    before = {name: getattr(pool, name) for name in fields}
    pool.low_seats_threshold = low_seats_threshold
    if over_allocation_threshold is not None:
        pool.over_allocation_threshold = over_allocation_threshold
    pool.full_clean()
    pool.save(update_fields=fields)
    audit.record(
        actor=actor,
        verb="subscription.pool_updated",
        licensing_id=pool.licensing_id,
        before=before,
        after={name: getattr(pool, name) for name in fields},
        detail=f"pool={pool.pk}",
    )
    _low_seats_check(pool=pool, assigned=assigned, actor=actor)
    return pool
