"""Reads of the subscriptions domain, scoped to the licensing IDs the user manages subscriptions on."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from agreements.models import OrganizationMember
from permissions import access
from permissions.models import Role
from subscriptions.models import (
    BulkEdit,
    BulkUpload,
    PartnerContactRole,
    PartnerMembership,
    PartnerSubscription,
    PoolUsageSnapshot,
    Seat,
    SubscriptionPool,
)

MANAGER_ROLES = [Role.SUBSCRIPTIONS_MANAGER]  # Administrator is implied by tenancy


def pool_list(*, user) -> QuerySet[SubscriptionPool]:
    return (
        SubscriptionPool.objects.visible_to(user, roles=MANAGER_ROLES)
        .with_counts()
        .select_related("licensing_id", "licensing_id__organization")
        .order_by("licensing_id__number", "product")
    )


def pool_get(*, user, pk: int) -> SubscriptionPool:
    return get_object_or_404(pool_list(user=user), pk=pk)


@dataclass(frozen=True)
class UsagePeak:
    assigned: int
    quantity: int
    day: datetime.date


@dataclass(frozen=True)
class PoolUsage:
    """SUB-8: the peak of the last 12 months and of the agreement term (None without snapshots, or for the term
    when the agreement has no start date)."""

    year_start: datetime.date
    term_start: datetime.date | None
    term_end: datetime.date | None
    year_peak: UsagePeak | None
    term_peak: UsagePeak | None


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1) + datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28) + datetime.timedelta(days=1)


def _peak(snapshots: QuerySet[PoolUsageSnapshot]) -> UsagePeak | None:
    """The highest assigned count; of equal counts, the first day it was reached."""
    row = snapshots.order_by("-assigned", "day").values_list("assigned", "quantity", "day").first()
    return UsagePeak(*row) if row else None


def pool_usage(*, pool: SubscriptionPool, today: datetime.date) -> PoolUsage:
    """SUB-8 maximum usage of a pool the caller already got through `pool_get` (two queries)."""
    lid = pool.licensing_id
    year_start = _year_before(today)
    snapshots = PoolUsageSnapshot.objects.filter(pool=pool, day__lte=today)
    term_peak = None
    if lid.start_date:
        term_peak = _peak(snapshots.filter(day__gte=lid.start_date, day__lte=min(lid.end_date or today, today)))
    return PoolUsage(
        year_start=year_start,
        term_start=lid.start_date,
        term_end=lid.end_date,
        year_peak=_peak(snapshots.filter(day__gte=year_start)),
        term_peak=term_peak,
    )


def pool_usage_snapshots(*, pool: SubscriptionPool, since: datetime.date) -> QuerySet[PoolUsageSnapshot]:
    """Daily snapshots of the pool from `since`, oldest first (SUB-8 CSV export)."""
    return PoolUsageSnapshot.objects.filter(pool=pool, day__gte=since).order_by("day")


def seat_list(
    *, user, q: str = "", pool_id: int | None = None, status: str | None = Seat.Status.ACTIVE, state: bool = False
) -> QuerySet[Seat]:
    """Subscribers across every pool the user manages; `q` matches email or name (SUB-5); `state` annotates
    `signed_in` (SUB-10)."""
    qs = Seat.objects.visible_to(user, roles=MANAGER_ROLES).select_related("pool", "pool__licensing_id")
    if state:
        qs = qs.with_state()
    if q:
        qs = qs.filter(Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    if pool_id:
        qs = qs.filter(pool_id=pool_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("pool__licensing_id__number", "pool__product", "email", "id")


def seat_get(*, user, pk: int) -> Seat:
    return get_object_or_404(
        Seat.objects.visible_to(user, roles=MANAGER_ROLES).select_related("pool", "pool__licensing_id"), pk=pk
    )


def seats_selected(*, user, pool: SubscriptionPool, ids: list[int]) -> list[Seat]:
    """Active seats of `pool` among `ids` that the user manages (SUB-7); the caller compares the counts."""
    return list(
        Seat.objects.visible_to(user, roles=MANAGER_ROLES)
        .filter(pool=pool, pk__in=ids, status=Seat.Status.ACTIVE)
        .order_by("email", "id")
    )


def bulk_upload_get(*, user, pk: int) -> BulkUpload:
    return get_object_or_404(
        BulkUpload.objects.visible_to(user, roles=MANAGER_ROLES)
        .select_related("pool", "pool__licensing_id")
        .defer("content"),
        pk=pk,
    )


def bulk_upload_list(*, user, pool: SubscriptionPool, limit: int = 10) -> list[BulkUpload]:
    return list(
        BulkUpload.objects.visible_to(user, roles=MANAGER_ROLES)
        .filter(pool=pool)
        .defer("content")
        .order_by("-created_at", "-id")[:limit]
    )


def bulk_edit_get(*, user, pk: int) -> BulkEdit:
    """A bulk edit of a pool the user manages (SUB-6); anyone else's is 404."""
    return get_object_or_404(
        BulkEdit.objects.visible_to(user, roles=MANAGER_ROLES).select_related("pool", "pool__licensing_id"), pk=pk
    )


def subscriber_emails(user) -> list[str]:
    """The addresses whose subscriptions the user may see: the sign-in email once confirmed (allauth), and
    the verified business email (SUB-4). An unconfirmed sign-in email is not proof of owning the mailbox."""
    from allauth.account.models import EmailAddress

    emails = set(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    emails = {e.lower() for e in emails}
    if user.verified_business_email:
        emails.add(user.verified_business_email.lower())
    return sorted(emails)


def my_benefits(*, user) -> dict:
    emails = subscriber_emails(user)
    seats = list(
        Seat.objects.active()
        .filter(email__in=emails)
        .select_related("pool", "pool__licensing_id", "pool__licensing_id__organization")
        .order_by("pool__product", "id")
    )
    partner = list(
        PartnerSubscription.objects.filter(member__user=user, status=PartnerSubscription.Status.ACTIVE)
        .select_related("membership", "membership__organization")
        .order_by("id")
    )
    return {
        "seats": seats,
        "partner_subscriptions": partner,
        "emails": emails,
        "sign_in_email_unconfirmed": user.email.lower() not in emails,
    }


def my_seat_get(*, user, pk: int) -> Seat:
    """An active seat assigned to one of the user's own addresses (SUB-9); anyone else's is 404."""
    return get_object_or_404(
        Seat.objects.active()
        .filter(email__in=subscriber_emails(user))
        .select_related("pool", "pool__licensing_id", "pool__licensing_id__organization"),
        pk=pk,
    )


def subscription_managers_of(*, licensing_id) -> list[tuple[str, str]]:
    """(email, language) of the licence's Subscriptions Managers and Administrators, including administrators
    inherited from the parent agreement who did not opt out (low free seats alert)."""
    from licensing_portal.core.models import User

    emails = sorted(access.holders(licensing_id, [Role.SUBSCRIPTIONS_MANAGER]))
    languages = dict(
        User.objects.filter(business_email__in=emails, business_email_verified_at__isnull=False).values_list(
            "business_email", "language"
        )
    )
    return [(email, languages.get(email, "en")) for email in emails]


# ---- MPN ----


def membership_list(*, user) -> QuerySet[PartnerMembership]:
    return PartnerMembership.objects.administered_by(user).select_related("organization").distinct()


def membership_get(*, user, pk: int) -> PartnerMembership:
    """The membership if `user` is its Program Administrator; otherwise 404 (same as missing)."""
    return get_object_or_404(membership_list(user=user), pk=pk)


def membership_people(*, membership: PartnerMembership) -> list[OrganizationMember]:
    """The partner's people, each with `contact_role` and `subscription` (or None) attached: three queries."""
    people = list(
        OrganizationMember.objects.filter(organization_id=membership.organization_id)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    roles = {r.member_id: r for r in PartnerContactRole.objects.filter(membership=membership)}
    subs = {
        s.member_id: s
        for s in PartnerSubscription.objects.filter(membership=membership, status=PartnerSubscription.Status.ACTIVE)
    }
    for person in people:
        person.contact_role = roles.get(person.pk)
        person.subscription = subs.get(person.pk)
    return people


def partner_subscription_get(*, user, pk: int) -> PartnerSubscription:
    return get_object_or_404(
        PartnerSubscription.objects.filter(
            membership__in=PartnerMembership.objects.administered_by(user)
        ).select_related("membership", "membership__organization", "member", "member__user"),
        pk=pk,
    )


def contact_role_get(*, user, pk: int) -> PartnerContactRole:
    return get_object_or_404(
        PartnerContactRole.objects.filter(
            membership__in=PartnerMembership.objects.administered_by(user)
        ).select_related("membership", "membership__organization", "member", "member__user"),
        pk=pk,
    )
