"""What a directory group mapped to a subscription pool gives (IDN-3): a seat per member, through the same
services as the Subscriptions pages (SUB-2 rules, the SUB-3 limit under the pool lock, one email per new
subscriber, audit rows). Called by the SCIM kernel (licensing_portal/scim) through settings.SCIM_MAPPING_TARGETS;
the kernel never imports this app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from licensing_portal.errors import ApplicationError
from subscriptions import services
from subscriptions.models import Seat, SubscriptionPool
from subscriptions.selectors import pool_list


class PoolTarget:
    kind = "pool"
    label = _("a seat of the subscription pool")
    takes_roles = False

    @staticmethod
    def choices(*, organization, actor) -> list[tuple[int, str]]:
        """The organisation's pools the actor manages (SUB-2)."""
        pools = pool_list(user=actor).filter(licensing_id__organization=organization)
        return [(p.pk, f"{p.licensing_id.number} · {p.get_product_display()} × {p.quantity}") for p in pools]

    @staticmethod
    def labels(*, organization, target_ids) -> dict[int, str]:
        pools = SubscriptionPool.objects.filter(pk__in=list(target_ids), licensing_id__organization=organization)
        return {
            p.pk: f"{p.licensing_id.number} · {p.get_product_display()}" for p in pools.select_related("licensing_id")
        }

    @staticmethod
    def apply(*, organization, target_id: int, grant: dict, revoke: dict, actor) -> tuple[dict, dict, dict]:
        """Assign a seat to each email of `grant` ({email: {"first_name", "last_name"}}) and remove the seats the
        directory gave the emails of `revoke`. Returns (granted {email: []}, revoked {email: []}, refused
        {email: reason}); a refused email (pool full, SUB-3; no right to manage the pool) is tried again at the
        next change of the directory."""
        granted: dict = {}
        revoked: dict = {}
        refused: dict = {}
        pool = SubscriptionPool.objects.filter(pk=target_id, licensing_id__organization=organization).first()
        if pool is None:  # the pool is gone or not this organisation's: nothing to give or take back
            return granted, dict.fromkeys(revoke, []), refused
        for email in sorted(revoke):
            seat = Seat.objects.filter(pool=pool, email=email, status=Seat.Status.ACTIVE).first()
            try:
                if seat is not None:
                    services.seat_remove(seat=seat, actor=actor)
                revoked[email] = []
            except ApplicationError as error:
                refused[email] = str(error)
        held = set(
            Seat.objects.filter(pool=pool, email__in=list(grant), status=Seat.Status.ACTIVE).values_list(
                "email", flat=True
            )
        )
        for email, names in sorted(grant.items()):
            if email in held:  # assigned by hand already: the directory neither gives nor later takes it
                continue
            try:
                services.seat_assign(
                    pool=pool,
                    email=email,
                    actor=actor,
                    obligation_confirmed=True,  # the administrator confirmed it when mapping the group
                    first_name=names.get("first_name", ""),
                    last_name=names.get("last_name", ""),
                )
                granted[email] = []
            except ApplicationError as error:
                refused[email] = str(error)
        return granted, revoked, refused
